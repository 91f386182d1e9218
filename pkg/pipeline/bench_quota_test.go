package pipeline

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/quota"
	"github.com/alexsync/alexsync/pkg/sim"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

const (
	quotaContacts = 600
	quotaLimit    = 60
	quotaMinute   = time.Second
)

// BenchmarkQuotaUtilization pushes 600 new contacts with pipeline.Run
// against the simulator in real, scaled time: a 1s "minute" of 60
// requests. The ideal for R requests is (ceil(R/60)-1) minutes: the first
// window's requests go at once, and each later window opens one minute
// after the previous one. utilization = elapsed / ideal (1.0 is perfect);
// 429s counts the pipeline's rate-limited answers. In the competing case a
// second client on the same key spends half of every minute throughout
// the run; 429-share is the pipeline's 429s over its requests.
func BenchmarkQuotaUtilization(b *testing.B) {
	for _, competing := range []bool{false, true} {
		b.Run(fmt.Sprintf("competing=%t", competing), func(b *testing.B) {
			var elapsed, ideal time.Duration
			var total, limited int
			for b.Loop() {
				e, i, t, l := quotaRun(b, competing)
				elapsed += e
				ideal += i
				total += t
				limited += l
			}
			b.ReportMetric(float64(elapsed)/float64(ideal), "utilization")
			b.ReportMetric(float64(limited)/float64(b.N), "429s")
			b.ReportMetric(float64(limited)/float64(max(total, 1)), "429-share")
			b.ReportMetric(float64(total)/float64(b.N), "requests")
		})
	}
}

// quotaRun runs one push and returns its elapsed time, the ideal time for
// its requests, and its request and 429 counts.
func quotaRun(b *testing.B, competing bool) (elapsed, ideal time.Duration, total, limited int) {
	const key = "sk_test_BENCH_quota"
	s, err := sim.New(sim.Options{Keys: []sim.Key{{Key: key}}, PerMinute: quotaLimit, Minute: quotaMinute})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	dir := b.TempDir()
	src := filepath.Join(dir, "contacts.csv")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(benchHeader)
	for i := range quotaContacts {
		_ = w.Write(benchRow(i, false, ""))
	}
	w.Flush()
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	p := benchPipeline(b, dir, src, filepath.Join(dir, "state.db"),
		fmt.Sprintf("api: {minute: %s, per_minute: %d, plan: real_estate}\n", quotaMinute, quotaLimit))
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if competing {
		wg.Go(func() { compete(ctx, srv.URL+"/v1", key) })
		time.Sleep(quotaMinute) // the competitor is in its stride when the run starts
	}
	t0 := time.Now()
	sum, err := Run(context.Background(), p, RunOptions{Key: key, APIURL: srv.URL + "/v1"})
	elapsed = time.Since(t0)
	stop()
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	if sum.Counts.Created != quotaContacts {
		b.Fatalf("created %d of %d (exit %d, %s)", sum.Counts.Created, quotaContacts, sum.ExitCode, sum.Stopped)
	}
	total, limited = sum.Requests.Total, sum.Requests.RateLimited
	limit := quotaLimit
	if competing {
		limit /= 2
	}
	ideal = time.Duration((total-limited+limit-1)/limit-1) * quotaMinute
	return elapsed, ideal, total, limited
}

// compete spends half of the minute quota on key until ctx is done: 30
// requests paced evenly over every minute.
func compete(ctx context.Context, url, key string) {
	c, err := smartalex.NewClient(url, key, smartalex.WithLimiter(quota.NewWindow(quotaLimit/2, quotaMinute, nil)),
		smartalex.WithRetryPolicy(smartalex.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		panic(err)
	}
	tick := time.NewTicker(quotaMinute / (quotaLimit / 2))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			_, _, _ = c.ListContacts(ctx, smartalex.ContactListOptions{})
		}
	}
}
