package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/alexsync/alexsync/pkg/config"
)

// BenchmarkPull pulls every call of a simulator without quotas into each
// sink, at 25,000 and 100,000 calls, and reports the pull's rate and
// alexsync's own memory: flat memory shows as the same numbers at both
// sizes.
//
// Nothing but alexsync is measured. The simulator runs in a child process
// (this test binary re-executed, see TestMain), so neither its 100,000
// calls nor the garbage of encoding them are counted, and neither is the
// larger GC goal its live heap would give the pull's own garbage. Each
// pull runs in a fresh child process too (pipeline.Run, as `alexsync run`
// calls it, with a new checkpoint and output), which samples itself:
//
//   - calls/s: calls written per second of pipeline.Run;
//   - peak-heap-MB: the largest Go HeapAlloc seen (every 2ms) during the
//     run: live data plus garbage the GC has not yet collected, so up to
//     about twice the live heap with GOGC=100;
//   - peak-live-MB: the largest heap a GC found live, the figure that
//     grows when something is held per call;
//   - peak-RSS-MB: the child's VmHWM, what the OS sees: the Go runtime,
//     the binary and C memory (SQLite's page cache) included, about 10 MB
//     of it before the run starts.
//
// B/op and allocs/op (from -benchmem) are the benchmark driver's, not the
// pull's; alloc-MB is what the pull allocated. Details are off, so the
// numbers are the list pages, the checkpoint and the sink; a detail
// request per call is measured by the pull tests, not here.
func BenchmarkPull(b *testing.B) {
	for _, n := range []int{25_000, 100_000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			api := startSimChild(b, n)
			for _, out := range []string{"csv", "xlsx", "sqlite"} {
				b.Run(out, func(b *testing.B) {
					var rep childReport
					var secs float64
					for b.Loop() {
						file := pullBenchPipeline(b, out)
						r, _ := runPullChild(b, file, api)
						if r.Err != "" || r.Exit != int(OutcomeOK) || r.Written != n {
							b.Fatalf("pull: %+v", r)
						}
						secs += r.Seconds
						rep.PeakHeapMB = max(rep.PeakHeapMB, r.PeakHeapMB)
						rep.PeakLiveMB = max(rep.PeakLiveMB, r.PeakLiveMB)
						rep.PeakRSSMB = max(rep.PeakRSSMB, r.PeakRSSMB)
						rep.AllocMB += r.AllocMB
					}
					b.ReportMetric(float64(n*b.N)/secs, "calls/s")
					b.ReportMetric(rep.PeakHeapMB, "peak-heap-MB")
					b.ReportMetric(rep.PeakLiveMB, "peak-live-MB")
					b.ReportMetric(rep.PeakRSSMB, "peak-RSS-MB")
					b.ReportMetric(rep.AllocMB/float64(b.N), "alloc-MB")
				})
			}
		})
	}
}

// pullBenchPipeline writes a pull-calls pipeline into a new directory and
// returns its file: out is csv, xlsx or sqlite.
func pullBenchPipeline(b testing.TB, out string) string {
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
	if _, err := config.LoadPipeline(path); err != nil {
		b.Fatal(err)
	}
	return path
}
