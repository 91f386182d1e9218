package sinktest

import (
	"runtime"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/sink"
)

// Sizes of the benchmark runs.
const (
	BenchCalls     = 100_000 // calls in the full run
	BenchLines     = 5       // transcript lines per call
	BenchUpserts   = 10_000  // changed calls in the upsert run
	BenchBatchSize = 1_000   // calls per Replace
)

// BenchOpen starts a run of the sink under test writing into dir.
type BenchOpen func(tb testing.TB, dir string) sink.Writer

// Bench runs the shared sink benchmarks: Write100k writes BenchCalls calls
// with BenchLines lines each into an empty output; Upsert10k writes
// BenchUpserts changed calls (and their lines) into that output. Both
// report rows/s and the peak heap sampled during the run.
func Bench(b *testing.B, open BenchOpen) {
	b.Run("Write100k", func(b *testing.B) {
		var peak uint64
		for range b.N {
			b.StopTimer()
			dir := b.TempDir()
			p := startPeak()
			b.StartTimer()
			runBench(b, open(b, dir), 1, allCalls)
			b.StopTimer()
			peak = max(peak, p.stop())
			b.StartTimer()
		}
		report(b, BenchCalls*(1+BenchLines), peak)
	})
	b.Run("Upsert10k", func(b *testing.B) {
		dir := b.TempDir()
		runBench(b, open(b, dir), 1, allCalls)
		b.ResetTimer()
		var peak uint64
		for i := range b.N {
			b.StopTimer()
			p := startPeak()
			b.StartTimer()
			runBench(b, open(b, dir), i+2, changedCalls)
			b.StopTimer()
			peak = max(peak, p.stop())
			b.StartTimer()
		}
		report(b, BenchUpserts*(1+BenchLines), peak)
	})
}

func allCalls(i int) int     { return i }
func changedCalls(i int) int { return i * (BenchCalls / BenchUpserts) }

// runBench writes calls id(0..n) in batches and closes w.
func runBench(b *testing.B, w sink.Writer, version int, id func(int) int) {
	n := BenchCalls
	if version > 1 {
		n = BenchUpserts
	}
	callRows := make([]sink.Row, 0, BenchBatchSize)
	lineRows := make([]sink.Row, 0, BenchBatchSize*BenchLines)
	for start := 0; start < n; start += BenchBatchSize {
		callRows, lineRows = callRows[:0], lineRows[:0]
		for i := start; i < min(n, start+BenchBatchSize); i++ {
			callRows = append(callRows, Call(id(i), version))
			lineRows = append(lineRows, Lines(id(i), BenchLines, version)...)
		}
		if err := w.Replace(sink.Calls, callRows); err != nil {
			b.Fatal(err)
		}
		if err := w.Replace(sink.TranscriptLines, lineRows); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func report(b *testing.B, rowsPerOp int, peak uint64) {
	b.ReportMetric(float64(rowsPerOp)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// peakSampler samples the heap while a benchmark runs.
type peakSampler struct {
	done chan struct{}
	peak chan uint64
}

// startPeak collects garbage, then samples HeapAlloc every few
// milliseconds until stop.
func startPeak() *peakSampler {
	runtime.GC()
	p := &peakSampler{done: make(chan struct{}), peak: make(chan uint64)}
	go func() {
		var ms runtime.MemStats
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-p.done:
				p.peak <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// stop ends sampling and returns the peak heap in bytes.
func (p *peakSampler) stop() uint64 {
	close(p.done)
	return <-p.peak
}
