// Package sourcetest is the conformance suite every source passes: the
// same logical table, written in each source's own form, must read back
// as the same header and rows.
package sourcetest

import (
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
)

// Table is the logical table every source is tested with. It has the
// things that break naive readers: a phone that looks like a number,
// leading zeros, an empty value in the middle and at the end, non-ASCII
// text, a comma, a quote and a newline inside values, and a blank row
// (which readers must skip).
var Table = struct {
	Header []string
	Rows   [][]string
}{
	Header: []string{"Record ID", "First Name", "Last Name", "Phone", "Email", "Notes"},
	Rows: [][]string{
		{"1001", "Ada", "Lovelace", "+15551234567", "ada@example.com", "likes \"engines\", math"},
		{"1002", "José", "Núñez", "5551234568", "", "line one\nline two"},
		{"1003", "Zoë", "", "07911 123456", "zoe@example.co.uk", ""},
		{"", "", "", "", "", ""},
		{"0042", "Björn", "Ødegård", "4791234567", "bjorn@example.no", "ends here"},
	},
}

// Expected returns Table's rows without the blank one, as a reader must
// return them.
func Expected() [][]string {
	var out [][]string
	for _, r := range Table.Rows {
		if slices.ContainsFunc(r, func(v string) bool { return v != "" }) {
			out = append(out, r)
		}
	}
	return out
}

// Opener writes header and rows in a source's own form (a file, a sheet,
// a table) and opens a Reader on them.
type Opener func(t *testing.T, header []string, rows [][]string) record.Reader

// Run checks a source against the Reader contract with Table.
func Run(t *testing.T, open Opener) {
	t.Helper()
	t.Run("reads the conformance table", func(t *testing.T) {
		r := open(t, Table.Header, Table.Rows)
		defer r.Close()
		if got := r.Header(); !slices.Equal(got, Table.Header) {
			t.Fatalf("Header() = %q, want %q", got, Table.Header)
		}
		got := readAll(t, r)
		want := Expected()
		if len(got) != len(want) {
			t.Fatalf("read %d rows, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			if !slices.Equal(got[i].Values, want[i]) {
				t.Errorf("row %d = %q, want %q", i, got[i].Values, want[i])
			}
			if i > 0 && got[i].Line <= got[i-1].Line {
				t.Errorf("row %d line %d does not follow line %d", i, got[i].Line, got[i-1].Line)
			}
		}
		if _, err := r.Next(); !errors.Is(err, io.EOF) {
			t.Errorf("Next after EOF = %v, want io.EOF again", err)
		}
	})
	t.Run("header only", func(t *testing.T) {
		r := open(t, Table.Header, nil)
		defer r.Close()
		if rows := readAll(t, r); len(rows) != 0 {
			t.Fatalf("read %d rows from a header-only source", len(rows))
		}
	})
	t.Run("close twice", func(t *testing.T) {
		r := open(t, Table.Header, Table.Rows)
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("second Close = %v", err)
		}
	})
}

func readAll(t *testing.T, r record.Reader) []record.Row {
	t.Helper()
	var rows []record.Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
	}
}
