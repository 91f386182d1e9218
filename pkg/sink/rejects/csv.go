package rejects

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/alexsync/alexsync/pkg/fileout"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("rejects file closed")

// CSVWriter writes a CSV rejects file in the input's dialect. It is not
// safe for concurrent use. It implements Writer.
type CSVWriter struct {
	path   string
	tmp    *os.File
	buf    *bufio.Writer
	text   io.WriteCloser // encodes UTF-8 to the dialect's encoding
	cw     *csv.Writer
	cp1252 bool
	keep   []int
	width  int
	rec    []string
	count  int
	err    error // sticky
	closed bool
}

// NewCSV starts a rejects file at path for an input with header, written
// in dialect d (the same delimiter, encoding, BOM and line endings). Rows
// go to a temp file, mode 0600, in the same directory, renamed to path
// by Close.
func NewCSV(path string, header []string, d Dialect) (*CSVWriter, error) {
	if d.Delimiter == 0 {
		d.Delimiter = ','
	}
	if !validDelimiter(d.Delimiter) {
		return nil, fmt.Errorf("rejects %s: invalid delimiter %q", path, d.Delimiter)
	}
	bom, enc, err := encoder(d.Encoding)
	if err != nil {
		return nil, fmt.Errorf("rejects %s: %w", path, err)
	}
	tmp, err := fileout.CreateTemp(path)
	if err != nil {
		return nil, fmt.Errorf("rejects: %w", err)
	}
	w := &CSVWriter{path: path, tmp: tmp, buf: bufio.NewWriter(tmp), cp1252: d.Encoding == "windows-1252"}
	w.buf.Write(bom) // errors are sticky in bufio; Close reports them
	w.text = nopCloser{w.buf}
	if enc != nil {
		w.text = transform.NewWriter(w.buf, enc)
	}
	w.cw = csv.NewWriter(w.text)
	w.cw.Comma, w.cw.UseCRLF = d.Delimiter, d.CRLF
	var names []string
	w.keep, names = columns(header)
	w.width = len(header)
	if err := w.cw.Write(w.encodable(names)); err != nil {
		w.abort()
		return nil, fmt.Errorf("rejects %s: %w", path, err)
	}
	return w, nil
}

// Write adds one rejected row (see Writer).
func (w *CSVWriter) Write(values []string, line int, code, message string) error {
	if w.closed {
		return fmt.Errorf("rejects %s: %w", w.path, ErrClosed)
	}
	if w.err != nil {
		return w.err
	}
	w.rec = row(w.rec, w.keep, w.width, values, line, code, message)
	if err := w.cw.Write(w.encodable(w.rec)); err != nil {
		w.err = fmt.Errorf("rejects %s: %w", w.path, err)
		return w.err
	}
	w.count++
	return nil
}

// Count returns how many rows were written. After Close, 0 means no file
// was left at the path.
func (w *CSVWriter) Count() int { return w.count }

// Path returns where the file is (or, before Close, will be).
func (w *CSVWriter) Path() string { return w.path }

// Close flushes, syncs and renames the temp file to the path, replacing
// any file there. With no rows written, or after a failed Write, it
// removes the temp file instead and leaves the path alone. It is safe to
// call more than once; later calls return nil.
func (w *CSVWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil || w.count == 0 {
		w.abort()
		return w.err
	}
	w.cw.Flush()
	err := errors.Join(w.cw.Error(), w.text.Close(), w.buf.Flush(), w.tmp.Sync())
	if err == nil {
		err = w.tmp.Close()
		if err == nil {
			err = fileout.Replace(w.tmp.Name(), w.path)
		}
	}
	if err != nil {
		w.abort()
		return fmt.Errorf("rejects %s: %w", w.path, err)
	}
	return nil
}

// abort closes and removes the temp file.
func (w *CSVWriter) abort() {
	w.tmp.Close()
	os.Remove(w.tmp.Name())
}

// encodable replaces, in a Windows-1252 file, the characters it cannot
// hold (and invalid UTF-8) with '?', rather than failing the file or
// writing control characters. Values read from a Windows-1252 file always
// fit; messages and other sources' values may not.
func (w *CSVWriter) encodable(rec []string) []string {
	if !w.cp1252 {
		return rec
	}
	for i, v := range rec {
		if !fits1252(v) {
			rec[i] = strings.Map(func(r rune) rune {
				if _, ok := charmap.Windows1252.EncodeRune(r); !ok {
					return '?'
				}
				return r
			}, v)
		}
	}
	return rec
}

// fits1252 reports whether s is valid UTF-8 that Windows-1252 can hold.
func fits1252(s string) bool {
	for _, r := range s {
		if _, ok := charmap.Windows1252.EncodeRune(r); r >= utf8.RuneSelf && !ok {
			return false
		}
	}
	return true
}

// encoder returns the BOM to write first and the encoder from UTF-8.
func encoder(name string) (bom []byte, enc transform.Transformer, err error) {
	switch name {
	case "", "utf-8":
		return nil, nil, nil
	case "utf-8-bom":
		return []byte{0xEF, 0xBB, 0xBF}, nil, nil
	case "utf-16le":
		return []byte{0xFF, 0xFE}, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder(), nil
	case "utf-16be":
		return []byte{0xFE, 0xFF}, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder(), nil
	case "windows-1252":
		return nil, charmap.Windows1252.NewEncoder(), nil
	}
	return nil, nil, fmt.Errorf("unknown encoding %q", name)
}

func validDelimiter(r rune) bool {
	return r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
