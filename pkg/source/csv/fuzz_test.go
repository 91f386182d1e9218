package csv

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alexsync/alexsync/pkg/record"
)

// fuzzOptions picks the options of one fuzz run from mode, so the fuzzer
// explores forced delimiters and encodings, title rows and tiny limits.
func fuzzOptions(mode uint8) Options {
	delims := []rune{0, ',', ';', '\t', '|'}
	encs := []string{"", "", "utf-8", "windows-1252", "utf-16le", "utf-16be"}
	o := Options{
		Delimiter: delims[int(mode)%len(delims)],
		Encoding:  encs[int(mode/5)%len(encs)],
		HeaderRow: 1 + int(mode/30)%3,
	}
	if mode&0x80 != 0 {
		o.MaxLineBytes = 64
	}
	return o
}

// FuzzCSV checks that no input panics the reader, that rows and row
// errors come in line order with Line >= 1 and valid UTF-8 values, and
// that every fatal error names the source and sticks.
func FuzzCSV(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtures, "*.*"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, uint8(0))
			f.Add(data, uint8(0x80))
		}
	}
	for _, s := range []string{"", "a", "a,b\n1\n", "a\n\"x\n", "t\nt\na;b\n1;2\n", "\xEF\xBB\xBF\"\"\"", "a\r1\r"} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(61))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		const name = "fuzz-source.csv"
		r, err := NewReader(bytes.NewReader(data), name, fuzzOptions(mode))
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("open error %q does not name the source", err)
			}
			return
		}
		defer r.Close()
		for _, h := range r.Header() {
			if !utf8.ValidString(h) {
				t.Fatalf("header %q is not valid UTF-8", h)
			}
		}
		checkRows(t, r, name, len(data))
	})
}

func checkRows(t *testing.T, r *Reader, name string, size int) {
	prev := 0
	for range size + 2 {
		row, err := r.Next()
		switch re, isRow := record.AsRowError(err); {
		case errors.Is(err, io.EOF):
			if _, again := r.Next(); !errors.Is(again, io.EOF) {
				t.Fatalf("Next after io.EOF = %v", again)
			}
			return
		case isRow:
			row = record.Row{Line: re.Line, Values: re.Values}
		case err != nil:
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("fatal error %q does not name the source", err)
			}
			if _, again := r.Next(); again != err {
				t.Fatalf("Next after a fatal error = %v, want it again", again)
			}
			return
		case len(row.Values) != len(r.Header()):
			t.Fatalf("row at line %d has %d values, header %d", row.Line, len(row.Values), len(r.Header()))
		}
		if row.Line < 1 || row.Line <= prev {
			t.Fatalf("line %d after line %d (err %v)", row.Line, prev, err)
		}
		prev = row.Line
		for _, v := range row.Values {
			if !utf8.ValidString(v) {
				t.Fatalf("line %d: value %q is not valid UTF-8", row.Line, v)
			}
		}
	}
	t.Fatalf("more results than input bytes (%d)", size)
}
