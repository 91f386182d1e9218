// Package sinktest is the conformance suite every sink.Writer passes (CSV,
// XLSX, SQL), with the fixtures, canonical text form, golden-file helper
// and benchmarks the sinks share.
//
// The suite compares logical content, whatever the storage format: a
// sink's read function returns the stored rows as text in the canonical
// form of Format, and the suite sorts both sides stably by key, so rows of
// one key stay in the order they were written. Sinks without an inherent
// row order (SQL) return a key's rows ordered by their remaining columns;
// the suite writes each key's rows in that order.
package sinktest

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/sink"
)

// Format returns the canonical text of value v in a column of type typ:
// Text and Phone as is; a Number with strconv 'f' -1 (nil is ""); a Time
// in UTC as RFC 3339 to the second (the zero time is ""). Anything else is
// formatted with %v behind a "!" so that a comparison shows it.
func Format(typ sink.Type, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("!%T(%v)", v, v)
}

// FormatTime returns the canonical text of t (see Format).
func FormatTime(t time.Time) string { return Format(sink.Time, t) }

// FormatNumber returns the canonical text of f (see Format).
func FormatNumber(f float64) string { return Format(sink.Number, f) }

// ExcelSerial converts an Excel 1900-system date serial (days since
// 1899-12-30, the fraction being the time of day) to a UTC time rounded to
// the second, the precision the canonical form keeps.
func ExcelSerial(serial float64) time.Time {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	ms := math.Round(serial * 86400 * 1000)
	return epoch.Add(time.Duration(ms) * time.Millisecond).Round(time.Second)
}

// Canonical returns rows in the canonical text form of table's columns.
func Canonical(table sink.Table, rows []sink.Row) [][]string {
	out := make([][]string, len(rows))
	for i, row := range rows {
		rec := make([]string, len(row))
		for j, v := range row {
			typ := sink.Text
			if j < len(table.Columns) {
				typ = table.Columns[j].Type
			}
			rec[j] = Format(typ, v)
		}
		out[i] = rec
	}
	return out
}

// KeyIndex returns the position of table's key column, or -1.
func KeyIndex(table sink.Table) int {
	return slices.IndexFunc(table.Columns, func(c sink.Column) bool { return c.Name == table.Key })
}

// SortByKey sorts canonical rows stably by table's key column, keeping
// the rows of one key in the order they came.
func SortByKey(table sink.Table, rows [][]string) [][]string {
	k := KeyIndex(table)
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b []string) int { return strings.Compare(field(a, k), field(b, k)) })
	return out
}

func field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

// Header returns the names of table's columns.
func Header(table sink.Table) []string {
	names := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		names[i] = c.Name
	}
	return names
}

// Golden compares got with the file at path, or rewrites the file (and
// its directory) when update is set.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\ngot:\n%q\nwant:\n%q", path, got, want)
	}
}
