package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// fixtures is the shared folder of ugly real-world files.
const fixtures = "../../../testdata/csv"

// encodeTable writes header and rows as CSV with delimiter d, in enc (with
// its BOM for utf-8-bom and UTF-16), lines ending in CRLF when crlf.
func encodeTable(t testing.TB, header []string, rows [][]string, d rune, enc string, crlf bool) []byte {
	t.Helper()
	var text bytes.Buffer
	w := stdcsv.NewWriter(&text)
	w.Comma, w.UseCRLF = d, crlf
	if err := w.Write(header); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	var out []byte
	var err error
	switch enc {
	case encUTF8:
		out = text.Bytes()
	case encUTF8BOM:
		out = append(append([]byte{}, bomUTF8...), text.Bytes()...)
	case encCP1252:
		out, err = charmap.Windows1252.NewEncoder().Bytes(text.Bytes())
	case encUTF16LE:
		out, err = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(text.Bytes())
	case encUTF16BE:
		out, err = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes(text.Bytes())
	default:
		t.Fatalf("unknown encoding %q", enc)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeFile writes data to a file called name in a fresh temp directory.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// result is everything a reader returned, in order.
type result struct {
	Line   int      `json:"line"`
	Values []string `json:"values"`
	Code   string   `json:"error_code,omitempty"`
	Column string   `json:"error_column,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// drain reads r to the end, keeping rows and row errors; it returns the
// fatal error, if any.
func drain(t testing.TB, r *Reader) ([]result, error) {
	t.Helper()
	var out []result
	for range 1_000_000 {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if re, ok := record.AsRowError(err); ok {
			out = append(out, result{Line: re.Line, Values: re.Values, Code: re.Code, Column: re.Column, Error: re.Error()})
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, result{Line: row.Line, Values: row.Values})
	}
	t.Fatal("Next never returned io.EOF")
	return nil, nil
}

// endless is an io.Reader that repeats a pattern up to n bytes, counting
// what was read, to stream huge inputs without holding them.
type endless struct {
	pattern []byte
	n, read int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), e.n-e.read)]
	for i := range p {
		p[i] = e.pattern[(e.read+int64(i))%int64(len(e.pattern))]
	}
	e.read += int64(len(p))
	return len(p), nil
}
