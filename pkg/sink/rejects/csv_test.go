package rejects_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/sink/rejects"
	csvsource "github.com/alexsync/alexsync/pkg/source/csv"
	"golang.org/x/text/encoding/charmap"
)

// The CSV source's dialect converts to the rejects one.
var _ = rejects.Dialect(csvsource.Dialect{})

var _ rejects.Writer = (*rejects.CSVWriter)(nil)

// readBack reads a rejects file with the CSV source.
func readBack(t *testing.T, path string) (*csvsource.Reader, []record.Row) {
	t.Helper()
	r, err := csvsource.Open(path, csvsource.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var rows []record.Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, rows
		}
		if re, ok := record.AsRowError(err); ok {
			row = record.Row{Line: re.Line, Values: re.Values}
		} else if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
}

// TestRoundTripWindows1252 reads a Windows-1252 ';' export with the CSV
// source, rejects every row, and reads the rejects back: same dialect,
// same values, plus the three columns.
func TestRoundTripWindows1252(t *testing.T) {
	input := "Name;Phone;Notes\r\n" +
		"José Núñez;=1+1;\"a; b\"\r\n" +
		"Zoë;+44 7911 123456;\"said \"\"hi\"\"\r\non two lines\"\r\n" +
		"Björn;-5;@handle\r\n" +
		"short\r\n" +
		"x;1;2;extra €\r\n"
	data, err := charmap.Windows1252.NewEncoder().String(input)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, want := filepath.Join(dir, "contacts.csv"), [][]string(nil)
	if err := os.WriteFile(in, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	src, rows := readBack(t, in)
	if d := src.Dialect(); d != (csvsource.Dialect{Delimiter: ';', Encoding: "windows-1252", CRLF: true}) {
		t.Fatalf("input dialect = %+v", d)
	}
	out := filepath.Join(dir, "contacts.rejects.csv")
	w, err := rejects.NewCSV(out, src.Header(), rejects.Dialect(src.Dialect()))
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		msg := "rejected → row " + strconv.Itoa(i)
		if err := w.Write(row.Values, row.Line, "test_code", msg); err != nil {
			t.Fatal(err)
		}
		padded := append(slices.Clone(row.Values), make([]string, max(0, 3-len(row.Values)))...)
		want = append(want, append(append(padded[:3:3], strconv.Itoa(row.Line), "test_code", "rejected ? row "+strconv.Itoa(i)), padded[3:]...))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, gotRows := readBack(t, out)
	if got.Dialect() != src.Dialect() {
		t.Errorf("rejects dialect = %+v, want %+v", got.Dialect(), src.Dialect())
	}
	if h := got.Header(); !slices.Equal(h, []string{"Name", "Phone", "Notes", "_row", "_error_code", "_error_message"}) {
		t.Errorf("rejects header = %q", h)
	}
	if len(gotRows) != len(want) {
		t.Fatalf("read back %d rows, want %d", len(gotRows), len(want))
	}
	for i := range want {
		if !slices.Equal(gotRows[i].Values, want[i]) {
			t.Errorf("row %d = %q, want %q", i, gotRows[i].Values, want[i])
		}
	}
}

func TestDialects(t *testing.T) {
	tests := []struct {
		name   string
		d      rejects.Dialect
		prefix []byte
		eol    string
	}{
		{"utf-8 LF", rejects.Dialect{Delimiter: ',', Encoding: "utf-8"}, []byte("a,"), "\n"},
		{"utf-8 BOM CRLF", rejects.Dialect{Delimiter: ';', Encoding: "utf-8-bom", CRLF: true}, []byte("\xEF\xBB\xBFa;"), "\r\n"},
		{"utf-16le tabs", rejects.Dialect{Delimiter: '\t', Encoding: "utf-16le", CRLF: true}, []byte("\xFF\xFEa\x00\t\x00"), "\r\x00\n\x00"},
		{"utf-16be pipes", rejects.Dialect{Delimiter: '|', Encoding: "utf-16be"}, []byte("\xFE\xFF\x00a\x00|"), "\x00\n"},
		{"windows-1252", rejects.Dialect{Delimiter: ';', Encoding: "windows-1252", CRLF: true}, []byte("a;"), "\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rejects.csv")
			w, err := rejects.NewCSV(path, []string{"a", "b"}, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write([]string{"Zoë", "=HYPERLINK(\"x\")"}, 7, "invalid_number", "bad"); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(raw, tc.prefix) || !bytes.HasSuffix(raw, []byte(tc.eol)) {
				t.Errorf("file starts %q, ends %q; want %q ... %q", raw[:min(8, len(raw))], raw[max(0, len(raw)-4):], tc.prefix, tc.eol)
			}
			src, rows := readBack(t, path)
			if d := rejects.Dialect(src.Dialect()); d != tc.d {
				t.Errorf("read back as %+v, want %+v", d, tc.d)
			}
			want := []string{"Zoë", "=HYPERLINK(\"x\")", "7", "invalid_number", "bad"}
			if len(rows) != 1 || !slices.Equal(rows[0].Values, want) {
				t.Errorf("rows = %+v, want one %q", rows, want)
			}
		})
	}
}

func TestNoRejectsLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rejects.csv")
	w, err := rejects.NewCSV(path, []string{"a"}, rejects.Dialect{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Count() != 0 {
		t.Errorf("Count() = %d", w.Count())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v in the directory", entries)
	}
}

func TestTempFileUntilClose(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rejects.csv")
	w, err := rejects.NewCSV(path, []string{"a"}, rejects.Dialect{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]string{"1"}, 2, "c", "m"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the rejects file exists before Close: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("want one temp file, have %v", entries)
	}
	if info, _ := entries[0].Info(); info.Mode().Perm() != 0o600 {
		t.Errorf("temp file mode %v, want 0600", info.Mode().Perm())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := w.Write([]string{"1"}, 3, "c", "m"); !errors.Is(err, rejects.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 || w.Count() != 1 {
		t.Errorf("after Close: %v, %v, count %d; want a 0600 file with 1 row", info, err, w.Count())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left %v in the directory", entries)
	}
}

func TestRowLayout(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		values []string
		want   []string
	}{
		{"exact", []string{"a", "b"}, []string{"1", "2"}, []string{"1", "2", "9", "c", "m"}},
		{"short row padded", []string{"a", "b", "c"}, []string{"1"}, []string{"1", "", "", "9", "c", "m"}},
		{"long row keeps its extras last", []string{"a"}, []string{"1", "2", "3"}, []string{"1", "9", "c", "m", "2", "3"}},
		{"fed back rejects file", []string{"a", "_row", "_Error_Code", "_error_message", "b"},
			[]string{"1", "4", "old", "old message", "2"}, []string{"1", "2", "9", "c", "m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.csv")
			w, err := rejects.NewCSV(path, tc.header, rejects.Dialect{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(tc.values, 9, "c", "m"); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			_, rows := readBack(t, path)
			if len(rows) != 1 || !slices.Equal(rows[0].Values, tc.want) {
				t.Errorf("rows = %+v, want %q", rows, tc.want)
			}
		})
	}
}

func TestNewCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
		d    rejects.Dialect
	}{
		{"unknown encoding", "r.csv", rejects.Dialect{Encoding: "ebcdic"}},
		{"bad delimiter", "r.csv", rejects.Dialect{Delimiter: '"'}},
		{"missing directory", filepath.Join("no", "such", "dir", "r.csv"), rejects.Dialect{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := rejects.NewCSV(filepath.Join(dir, tc.path), []string{"a"}, tc.d); err == nil {
				t.Fatal("NewCSV succeeded")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left %v behind", entries)
			}
		})
	}
}
