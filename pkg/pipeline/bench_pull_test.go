package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/sim"
)

// BenchmarkPull pulls every call of a simulator without quotas into each
// sink, at two sizes: rows/s, and the peak heap the pull added (the
// simulator's own memory is measured before and subtracted). Flat memory
// shows as the same heap-delta at 25,000 and 100,000 calls. Details are
// off, so the numbers are the list pages and the sink; a detail request
// per call is measured by the pull tests, not here.
func BenchmarkPull(b *testing.B) {
	for _, n := range []int{25_000, 100_000} {
		srv := pullBenchSim(b, n)
		for _, out := range []string{"csv", "xlsx", "sqlite"} {
			b.Run(fmt.Sprintf("%s/calls=%d", out, n), func(b *testing.B) {
				var heap float64
				for b.Loop() {
					p := pullBenchPipeline(b, out)
					runtime.GC()
					base := heapMB()
					stop := sampleHeap()
					sum, err := Run(context.Background(), p, RunOptions{Key: testKey, APIURL: srv.URL + "/v1"})
					peak := stop()
					if err != nil || sum.ExitCode != OutcomeOK || sum.Pull.Written != n {
						b.Fatalf("pull: %v exit %d written %+v", err, sum.ExitCode, sum.Pull)
					}
					heap = max(heap, peak-base)
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "calls/s")
				b.ReportMetric(heap, "heap-delta-MB")
			})
		}
		srv.Close()
	}
}

func heapMB() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// pullBenchSim serves a simulator holding n calls and no quota.
func pullBenchSim(b testing.TB, n int) *httptest.Server {
	b.Helper()
	s, err := sim.New(sim.Options{Plan: "real_estate", Keys: []sim.Key{{Key: testKey}}, PerMinute: 1 << 30, PerDay: 1 << 30, LateAfter: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	for added := 0; added < n; added += 50_000 {
		rec := httptest.NewRecorder()
		body := fmt.Sprintf(`{"count":%d}`, min(50_000, n-added))
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/_sim/calls", strings.NewReader(body)))
		if rec.Code != http.StatusCreated {
			b.Fatalf("seeding calls: %d %s", rec.Code, rec.Body.String())
		}
	}
	return httptest.NewServer(s)
}

func pullBenchPipeline(b testing.TB, out string) *config.Pipeline {
	b.Helper()
	dir := b.TempDir()
	output := map[string]string{
		"csv":    "{type: csv, path: calls.csv}",
		"xlsx":   "{type: xlsx, path: calls.xlsx}",
		"sqlite": "{type: sql, driver: sqlite, dsn: calls.db}",
	}[out]
	body := "name: bench\nkind: pull-calls\ncheckpoint: state.db\ncalls: {since: 100h, details: false}\n" +
		"api: {plan: real_estate, per_minute: 1000000000, per_day: 1000000000, workers: 8}\noutput: " + output + "\n"
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		b.Fatal(err)
	}
	p, err := config.LoadPipeline(path)
	if err != nil {
		b.Fatal(err)
	}
	return p
}
