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

	"github.com/nyaruka/phonenumbers"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/phone"
	"github.com/alexsync/alexsync/pkg/prepare"
	csvsource "github.com/alexsync/alexsync/pkg/source/csv"
)

const extractRows = 1_000_000

// BenchmarkExtract reads a generated 1,000,000-row contacts CSV (mixed
// phone formats, 5% invalid) through the CSV source, the mapping and phone
// normalization (prepare.Stream: CSV decode on the caller's goroutine,
// mapping, normalization, validation and row hashing on the workers, order
// kept), with one worker and with GOMAXPROCS. rows/s is that read+map+
// normalize throughput.
//
// The parallel case also times, in the same run and on one goroutine, two
// plain loops over the phone and region values of the same file (loaded
// into memory first, outside the timing), and reports Stream rows/s over
// each loop's rows/s:
//   - speedup-vs-libloop: the issue's yardstick, "the single-goroutine
//     phonenumbers loop": phonenumbers.Parse(raw, region) then
//     phonenumbers.Format(num, E164) per row, region the row's region as
//     an ISO code (names resolved outside the timing) or the default US.
//     It does no cleaning, repair or validity check. libloop-rows/s is its
//     rate.
//   - speedup-vs-normalizer-loop: the stricter yardstick: a loop of our
//     phone.Normalizer.Normalize(raw, region), the exact normalization
//     work a Stream worker does per row, with nothing else (no CSV, no
//     mapping, no contact, no hash, no hand-off). normalizer-loop-rows/s
//     is its rate.
//
// Memory: peak-rss-MB is VmHWM after the Stream (reset to the current RSS
// before it when the kernel allows, see rss-reset), peak-heap-MB the
// largest HeapAlloc sampled every 10ms during the Stream.
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
				vals := loadPhones(b, src)
				norm, lib := normalizeLoopRate(b, vals), libLoopRate(b, vals)
				b.ReportMetric(norm, "normalizer-loop-rows/s")
				b.ReportMetric(lib, "libloop-rows/s")
				b.ReportMetric(rate/norm, "speedup-vs-normalizer-loop")
				b.ReportMetric(rate/lib, "speedup-vs-libloop")
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

// phoneValues are the phone and region values of every row of a file,
// in one arena.
type phoneValues struct {
	all  string
	ends []int32 // phone end, region end, per row
}

// row returns row i's phone and region.
func (v *phoneValues) row(i int) (phone, region string) {
	start := int32(0)
	if i > 0 {
		start = v.ends[2*i-1]
	}
	return v.all[start:v.ends[2*i]], v.all[v.ends[2*i]:v.ends[2*i+1]]
}

func (v *phoneValues) rows() int { return len(v.ends) / 2 }

// loadPhones reads the phone and region columns of src.
func loadPhones(b *testing.B, src string) *phoneValues {
	r, err := csvsource.Open(src, csvsource.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var arena []byte
	var ends []int32
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
	v := &phoneValues{all: string(arena), ends: ends}
	if v.rows() != extractRows {
		b.Fatalf("loaded %d rows, want %d", v.rows(), extractRows)
	}
	return v
}

// normalizeLoopRate returns the rows/s of a plain loop of
// phone.Normalizer.Normalize over v on this goroutine.
func normalizeLoopRate(b *testing.B, v *phoneValues) float64 {
	n, err := phone.New(phone.Options{DefaultRegion: "US"})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	start, ok := time.Now(), 0
	for i := range v.rows() {
		if n.Normalize(v.row(i)).OK() {
			ok++
		}
	}
	elapsed := time.Since(start)
	if ok != extractRows-extractRows/20 {
		b.Fatalf("loop normalized %d of %d", ok, v.rows())
	}
	return float64(v.rows()) / elapsed.Seconds()
}

// libLoopRate returns the rows/s of a plain loop of phonenumbers.Parse
// and Format(E164) over v on this goroutine: the library alone, with the
// row's region resolved to an ISO code beforehand (default US).
func libLoopRate(b *testing.B, v *phoneValues) float64 {
	regions := make([]string, v.rows())
	for i := range regions {
		_, name := v.row(i)
		regions[i] = "US"
		if code, ok := phone.Region(name); ok && name != "" {
			regions[i] = code
		}
	}
	runtime.GC()
	start, ok := time.Now(), 0
	for i := range v.rows() {
		raw, _ := v.row(i)
		num, err := phonenumbers.Parse(raw, regions[i])
		if err == nil && phonenumbers.Format(num, phonenumbers.E164) != "" {
			ok++
		}
	}
	elapsed := time.Since(start)
	if ok < extractRows/2 {
		b.Fatalf("library loop parsed %d of %d", ok, v.rows())
	}
	return float64(v.rows()) / elapsed.Seconds()
}
