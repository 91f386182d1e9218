package csv_test

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/sink"
	sinkcsv "github.com/alexsync/alexsync/pkg/sink/csv"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// outPath is where the tests' writers put the Calls table.
func outPath(dir string) string { return filepath.Join(dir, "out", "calls.csv") }

func opener(opts sinkcsv.Options) sinktest.OpenFunc {
	return func(t *testing.T, dir string) sink.Writer {
		t.Helper()
		w, err := sinkcsv.Open(outPath(dir), opts)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
}

// readTable reads a table's file back in canonical form: the apostrophe
// Neutralize adds is removed, other values already are canonical.
func readTable(t *testing.T, dir string, table sink.Table) [][]string {
	t.Helper()
	f, err := os.Open(sinkcsv.TablePath(outPath(dir), table))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if b, _ := br.Peek(3); string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	r := csv.NewReader(br)
	var rows [][]string
	for i := 0; ; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if got, want := strings.Join(rec, ","), strings.Join(sinktest.Header(table), ","); got != want {
				t.Fatalf("header %q, want %q", got, want)
			}
			continue
		}
		for j, c := range table.Columns {
			rec[j] = sinkcsv.Restore(c.Type, rec[j])
		}
		rows = append(rows, rec)
	}
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts sinkcsv.Options
	}{
		{"plain", sinkcsv.Options{}},
		{"excel", sinkcsv.Options{Excel: true}},
	} {
		t.Run(tc.name, func(t *testing.T) { sinktest.Run(t, opener(tc.opts), readTable) })
	}
}

// writeSample writes the sample batches in one run and returns the dir.
func writeSample(t *testing.T, opts sinkcsv.Options) string {
	t.Helper()
	dir := t.TempDir()
	w := opener(opts)(t, dir)
	for _, b := range sinktest.Sample() {
		if err := w.Replace(b.Table, b.Rows); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts sinkcsv.Options
	}{
		{"plain", sinkcsv.Options{}},
		{"excel", sinkcsv.Options{Excel: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeSample(t, tc.opts)
			for _, table := range sinktest.Tables {
				file := sinkcsv.TablePath(outPath(dir), table)
				got, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				sinktest.Golden(t, filepath.Join("testdata", tc.name, filepath.Base(file)), got, *update)
			}
		})
	}
}
