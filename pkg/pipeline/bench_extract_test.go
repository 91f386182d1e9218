package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/phone"
	"github.com/alexsync/alexsync/pkg/prepare"
	csvsource "github.com/alexsync/alexsync/pkg/source/csv"
)

const extractRows = 1_000_000

// BenchmarkExtract reads a generated 1,000,000-row contacts CSV (mixed
// phone formats, 5% invalid) through the CSV source, the mapping and phone
// normalization (prepare.Stream), with one worker and with GOMAXPROCS.
// The parallel case also times a plain single-goroutine loop of
// phone.Normalizer.Normalize over the same phone values, in the same run,
// and reports speedup = Stream rows/s over that loop's rows/s. Memory:
// peak-rss-MB is VmHWM after the Stream (reset to the current RSS before
// it when the kernel allows, see rss-reset), peak-heap-MB the largest
// HeapAlloc sampled every 10ms during the Stream.
func BenchmarkExtract(b *testing.B) {
	src := benchFile(b, extractRows, true, 0)
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			p := benchPipeline(b, b.TempDir(), src, "unused.db", "")
			var rows int
			var rss, heap float64
			reset := false
			for b.Loop() {
				runtime.GC()
				reset = resetPeakRSS()
				stop := sampleHeap()
				rows = extractOnce(b, p, w)
				heap = stop()
				rss = procStatusMB("VmHWM")
			}
			rate := float64(rows) / (b.Elapsed().Seconds() / float64(b.N))
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(rss, "peak-rss-MB")
			b.ReportMetric(heap, "peak-heap-MB")
			b.ReportMetric(map[bool]float64{true: 1}[reset], "rss-reset")
			if w > 1 {
				loop := normalizeLoopRate(b, src)
				b.ReportMetric(loop, "loop-rows/s")
				b.ReportMetric(rate/loop, "speedup")
			}
		})
	}
}

// extractOnce streams the whole source and returns the rows it emitted.
func extractOnce(b *testing.B, p *config.Pipeline, workers int) int {
	ex, err := openExtract(context.Background(), p, "")
	if err != nil {
		b.Fatal(err)
	}
	defer ex.src.Close()
	n, bad := 0, 0
	err = prepare.Stream(context.Background(), ex.src, ex.prep, workers, nil, func(it prepare.Item) error {
		n++
		if it.Err != nil {
			bad++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if n != extractRows || bad != extractRows/20 {
		b.Fatalf("emitted %d rows, %d rejected; want %d and %d", n, bad, extractRows, extractRows/20)
	}
	return n
}

// sampleHeap samples HeapAlloc every 10ms until the returned function is
// called, which returns the peak in MB.
func sampleHeap() (stop func() float64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(peak.Load()) / (1 << 20)
	}
}

// normalizeLoopRate loads the phone and region values of src into one
// arena (outside the timing) and returns the rows/s of a plain loop of
// Normalize over them on this goroutine.
func normalizeLoopRate(b *testing.B, src string) float64 {
	r, err := csvsource.Open(src, csvsource.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var arena []byte
	var ends []int32 // phone end, region end, per row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		arena = append(arena, row.Values[4]...)
		ends = append(ends, int32(len(arena)))
		arena = append(arena, row.Values[5]...)
		ends = append(ends, int32(len(arena)))
	}
	r.Close()
	all := string(arena)
	n, err := phone.New(phone.Options{DefaultRegion: "US"})
	if err != nil {
		b.Fatal(err)
	}
	start, ok := time.Now(), 0
	prev := int32(0)
	for i := 0; i < len(ends); i += 2 {
		raw, region := all[prev:ends[i]], all[ends[i]:ends[i+1]]
		prev = ends[i+1]
		if n.Normalize(raw, region).OK() {
			ok++
		}
	}
	elapsed := time.Since(start)
	if rows := len(ends) / 2; rows != extractRows || ok != extractRows-extractRows/20 {
		b.Fatalf("loop normalized %d of %d", ok, rows)
	}
	return float64(extractRows) / elapsed.Seconds()
}
