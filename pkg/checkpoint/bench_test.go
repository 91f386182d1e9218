package checkpoint_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
)

// BenchmarkMarkConfirm measures a worker's journal cost per contact: a
// blocking MarkInFlight then an asynchronous Confirm, with 8 workers.
func BenchmarkMarkConfirm(b *testing.B) {
	cases := []struct {
		name string
		wait time.Duration
	}{
		{"linger=default", 0},
		{"linger=500us", 500 * time.Microsecond},
		{"linger=off", -1},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) { benchMarkConfirm(b, checkpoint.Options{BatchWait: tc.wait}) })
	}
}

func benchMarkConfirm(b *testing.B, opts checkpoint.Options) {
	s, err := checkpoint.OpenSQLite(b.Context(), filepath.Join(b.TempDir(), "bench.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const workers = 8
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				rec := checkpoint.Record{Pipeline: "bench", Key: fmt.Sprintf("k%09d", i), Phone: "+447700900000"}
				if err := s.MarkInFlight(b.Context(), rec); err != nil {
					b.Error(err)
					return
				}
				rec.RowHash, rec.ContactHash, rec.RemoteID, rec.Origin = "r", "c", "id", checkpoint.OriginCreated
				if err := s.Confirm(b.Context(), rec, checkpoint.Attempt{Action: checkpoint.ActionCreate, Status: 201, Outcome: "ok"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.Flush(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	st := s.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "contacts/s")
	b.ReportMetric(float64(st.Ops)/float64(max(st.Batches, 1)), "ops/txn")
}
