package xlsx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const benchRows = 200_000

// BenchmarkRead streams a generated 200,000-row workbook and reports
// rows/s, the peak Go heap in use (sampled every 10,000 rows) and the
// process's peak resident set while reading (VmHWM, reset after the
// workbook is generated; Linux only).
func BenchmarkRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.xlsx")
	writeBigWorkbook(b, path, benchRows)
	st, err := os.Stat(path)
	must(b, err)
	b.SetBytes(st.Size())
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	var peakHeap uint64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		peakHeap = max(peakHeap, readBig(b, path))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	if hwm, ok := peakRSS(); ok {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-rss-MB")
	}
}

// readBig reads every row and returns the largest HeapInuse it saw.
func readBig(b *testing.B, path string) uint64 {
	r, err := Open(path, Options{})
	must(b, err)
	defer r.Close()
	var ms runtime.MemStats
	var peak uint64
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(b, err)
		if n++; n%10_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if n != benchRows {
		b.Fatalf("read %d rows, want %d", n, benchRows)
	}
	return peak
}

// writeBigWorkbook writes rows contacts with excelize's StreamWriter:
// number IDs and phones, text names and emails, and a date column.
func writeBigWorkbook(tb testing.TB, path string, rows int) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	must(tb, err)
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(tb, err)
	must(tb, sw.SetRow("A1", []any{"Record ID", "First Name", "Last Name", "Phone", "Email", "Created", "Notes"}))
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(tb, sw.SetRow(cell, []any{
			1000 + i,
			"First" + strconv.Itoa(i),
			"Last" + strconv.Itoa(i%5000),
			int64(15550000000 + i),
			fmt.Sprintf("person%d@example.com", i),
			excelize.Cell{StyleID: dateStyle, Value: 45000 + i%3000},
			"likes \"engines\", math",
		}))
	}
	must(tb, sw.Flush())
	must(tb, f.SaveAs(path))
}

// resetPeakRSS resets the kernel's VmHWM for this process.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM from /proc/self/status, in bytes.
func peakRSS() (uint64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
