package csv

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
)

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		opts    Options
		is      error
		message string
	}{
		{name: "empty file", data: "", is: ErrEmpty, message: "contacts.csv: empty file"},
		{name: "BOM only", data: "\xEF\xBB\xBF", is: ErrEmpty, message: "contacts.csv: empty file"},
		{name: "UTF-16 BOM only", data: "\xFF\xFE", is: ErrEmpty, message: "contacts.csv: empty file"},
		{name: "blank lines only", data: "\n\r\n  \n,,\n", is: ErrEmpty, message: "contacts.csv: empty file"},
		{name: "zip file", data: "PK\x03\x04\x14\x00\x06\x00", is: ErrBinary,
			message: "contacts.csv: not a CSV file (binary content at byte 5; it looks like an XLSX or ZIP file)"},
		{name: "NUL in first KiB", data: "a,b\n1,2\x00\n", is: ErrBinary, message: "contacts.csv: not a CSV file (binary content at byte 7)"},
		{name: "UTF-16 NUL code unit", data: "\xFF\xFEa\x00\x00\x00", is: ErrBinary, message: "binary content at byte 4"},
		{name: "header row past the end", data: "a,b\n1,2\n", opts: Options{HeaderRow: 5},
			message: "contacts.csv: no header on line 5: the file has only 2 lines"},
		{name: "header line too long", data: strings.Repeat("x", 100) + "\n", opts: Options{MaxLineBytes: 50},
			is: ErrLineTooLong, message: "contacts.csv: line 1: line too long: over 50 bytes"},
		{name: "title line too long", data: strings.Repeat("x", 100) + "\na\n", opts: Options{MaxLineBytes: 50, HeaderRow: 2},
			is: ErrLineTooLong, message: "contacts.csv: line 1: line too long"},
		{name: "unknown encoding", data: "a\n", opts: Options{Encoding: "ebcdic"}, message: `contacts.csv: unknown encoding "ebcdic"`},
		{name: "invalid delimiter", data: "a\n", opts: Options{Delimiter: '"'}, message: "contacts.csv: invalid delimiter"},
		{name: "negative header row", data: "a\n", opts: Options{HeaderRow: -1}, message: "contacts.csv: header row -1"},
		{name: "classic Mac line endings", data: "a,b\r1,2\r3,4\r", message: "contacts.csv: lines end in a bare CR"},
		{name: "broken quote in header", data: "a,\"b\"c\n1,2\n", message: "contacts.csv: line 1: cannot read the header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "contacts.csv", []byte(tc.data))
			r, err := Open(path, tc.opts)
			if err == nil {
				r.Close()
				t.Fatalf("Open succeeded, want %q", tc.message)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not contain %q", err, tc.message)
			}
		})
	}
}

func TestOpenMissingAndDirectory(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, path, message string }{
		{"missing", filepath.Join(dir, "contacts.csv"), "open " + filepath.Join(dir, "contacts.csv") + ": no such file"},
		{"directory", dir, dir + ": is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.path, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("Open = %v, want %q", err, tc.message)
			}
		})
	}
}

func TestNextFatalErrors(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		opts    Options
		rows    int // rows read before the error
		is      error
		message string
	}{
		{name: "long line", data: "a,b\n1,2\n3," + strings.Repeat("x", 200) + "\n5,6\n", opts: Options{MaxLineBytes: 100},
			rows: 1, is: ErrLineTooLong, message: "contacts.csv: line 3: line too long: over 100 bytes"},
		{name: "long line under title rows", data: "title\na,b\n1,2\n3," + strings.Repeat("x", 200) + "\n",
			opts: Options{MaxLineBytes: 100, HeaderRow: 2}, rows: 1, is: ErrLineTooLong, message: "contacts.csv: line 4: line too long"},
		{name: "quote left open", data: "a,b\n1,2\n3,\"open\n" + strings.Repeat("short line\n", 2000),
			opts: Options{MaxLineBytes: 1000}, rows: 1, is: ErrRecordTooLong,
			message: "contacts.csv: record starting after line 2: record too long: over 1000 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tc.data), "contacts.csv", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := drain(t, r)
			if len(rows) != tc.rows {
				t.Errorf("read %d rows before the error, want %d", len(rows), tc.rows)
			}
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("error = %v, want %q", err, tc.message)
			}
			if _, again := r.Next(); again != err {
				t.Errorf("Next after a fatal error = %v, want the same error", again)
			}
		})
	}
}

// TestHugeInputsStayBounded streams a 1 GiB line and a 1 GiB unclosed
// quote: each must fail fast, having read about MaxLineBytes, not the
// whole input.
func TestHugeInputsStayBounded(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name   string
		prefix string
		repeat string
		is     error
	}{
		{"one endless line", "a,b\n1,", "x", ErrLineTooLong},
		{"endless quoted field", "a,b\n1,\"", "still quoted\n", ErrRecordTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &endless{pattern: []byte(tc.repeat), n: gib}
			in := io.MultiReader(strings.NewReader(tc.prefix), src)
			r, err := NewReader(in, "huge.csv", Options{MaxLineBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			_, err = drain(t, r)
			if !errors.Is(err, tc.is) {
				t.Fatalf("error = %v, want %v", err, tc.is)
			}
			if src.read > 4<<20 {
				t.Errorf("read %d bytes before failing, want about 1 MiB", src.read)
			}
		})
	}
}

// TestMemoryFlat reads a generated stream much larger than the live heap
// it is allowed, sampling the live heap as it goes.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 32 MiB")
	}
	const row = "1001,Ada,Lovelace,+15551234567,ada@example.com,\"likes \"\"engines\"\", math\"\n"
	src := &endless{pattern: []byte(row), n: int64(len(row)) * (32 << 20 / int64(len(row)))}
	in := io.MultiReader(strings.NewReader("id,first,last,phone,email,notes\n"), src)
	r, err := NewReader(in, "big.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	var peak uint64
	for n := 0; ; n++ {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n%100_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if peak > 8<<20 {
		t.Errorf("live heap reached %d bytes reading 32 MiB, want under 8 MiB", peak)
	}
}

func TestLateInvalidUTF8(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,city\n")
	for b.Len() < peekSize+1000 {
		b.WriteString("Ada,London\n")
	}
	b.WriteString("Jos\xE9,M\xFCnchen\n")
	b.WriteString("Zoë,Paris\n")
	r, err := NewReader(strings.NewReader(b.String()), "late.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := drain(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[len(rows)-2].Values; !slices.Equal(got, []string{"José", "München"}) {
		t.Errorf("Windows-1252 row = %q", got)
	}
	if got := rows[len(rows)-1].Values; !slices.Equal(got, []string{"Zoë", "Paris"}) {
		t.Errorf("UTF-8 row after it = %q", got)
	}
	if r.Dialect().Encoding != encUTF8 {
		t.Errorf("encoding = %q, want utf-8", r.Dialect().Encoding)
	}
	if w := r.Warnings(); len(w) != 1 || !strings.Contains(w[0], "Windows-1252") {
		t.Errorf("Warnings() = %q, want one about Windows-1252", w)
	}
}

func TestForcedOptions(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		opts   Options
		header []string
		values []string
		d      Dialect
	}{
		{"forced delimiter", "a;b,c\n1;2,3\n", Options{Delimiter: ','}, []string{"a;b", "c"}, []string{"1;2", "3"},
			Dialect{',', encUTF8, false}},
		{"forced windows-1252 on ASCII", "a\n\xE9\n", Options{Encoding: "cp1252"}, []string{"a"}, []string{"é"},
			Dialect{',', encCP1252, false}},
		{"forced utf-16le without BOM", "a\x00\n\x00b\x00\n\x00", Options{Encoding: "UTF-16LE"}, []string{"a"}, []string{"b"},
			Dialect{',', encUTF16LE, false}},
		{"forced utf-8 keeps the BOM out", "\xEF\xBB\xBFa\r\nb\r\n", Options{Encoding: "utf8"}, []string{"a"}, []string{"b"},
			Dialect{',', encUTF8BOM, true}},
		{"latin1 means windows-1252", "a\n\x80\n", Options{Encoding: "ISO-8859-1"}, []string{"a"}, []string{"€"},
			Dialect{',', encCP1252, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tc.data), "x.csv", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Header(), tc.header) || r.Dialect() != tc.d {
				t.Errorf("header %q dialect %+v, want %q %+v", r.Header(), r.Dialect(), tc.header, tc.d)
			}
			row, err := r.Next()
			if err != nil || !slices.Equal(row.Values, tc.values) {
				t.Errorf("Next = %q, %v, want %q", row.Values, err, tc.values)
			}
		})
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		name   string
		sample string
		want   rune
	}{
		{"commas", "a,b,c\n1,2,3\n", ','},
		{"semicolons with decimal commas", "name;amount\nBob;1,5\nAl;2,25\n", ';'},
		{"commas with semicolons in quotes", "a,b\n\"x;y;z\",1\n\"p;q\",2\n", ','},
		{"tabs", "a\tb\tc\n1\t2\t3\n", '\t'},
		{"pipes with commas in values", "name|notes\nAda|x, y\nBob|z\n", '|'},
		{"one column", "phone\n555\n556\n", ','},
		{"header only", "a;b;c", ';'},
		{"ragged semicolons beat one comma", "a;b;c\n1;2;3\n1;2\n1,5;2;3\n", ';'},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sniffDelimiter([]byte(tc.sample), true); got != tc.want {
				t.Errorf("sniffDelimiter = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRowErrorsThenGoOn(t *testing.T) {
	data := "id,name\n1,a\n2\n3,\"b\"x\n4,\"multi\nline\",extra\n5,c\n"
	r, err := NewReader(strings.NewReader(data), "x.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line int
		code string
	}{{2, ""}, {3, CodeFieldCount}, {4, CodeQuote}, {5, CodeFieldCount}, {7, ""}}
	for _, w := range want {
		row, err := r.Next()
		line, code := row.Line, ""
		if re, ok := record.AsRowError(err); ok {
			line, code = re.Line, re.Code
		} else if err != nil {
			t.Fatalf("Next = %v", err)
		}
		if line != w.line || code != w.code {
			t.Errorf("got line %d code %q, want line %d code %q", line, code, w.line, w.code)
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("Next at the end = %v", err)
	}
}

func TestCloseThenNext(t *testing.T) {
	path := writeFile(t, "c.csv", []byte("a\n1\n"))
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
	if err := os.Remove(path); err != nil {
		t.Errorf("file still held open? %v", err)
	}
}
