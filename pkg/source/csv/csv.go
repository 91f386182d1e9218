// Package csv streams rows out of the CSV and tab-separated text files that
// CRMs and spreadsheets export, the way they really are: with or without a
// BOM, in UTF-8, UTF-16 or Windows-1252, separated by commas, semicolons,
// tabs or pipes, with CRLF or LF line endings, blank lines, ragged rows and
// title lines above the header.
//
// It is built on encoding/csv, which measured faster than gocarina/gocsv
// for reading rows as strings (gocsv is a struct-mapping layer on top of
// encoding/csv; see BenchmarkParsers). Memory stays flat whatever the size
// of the file: only a bounded prefix is peeked for detection, rows are
// parsed one at a time, and a line or record longer than
// Options.MaxLineBytes is a fatal error instead of an allocation.
package csv

import (
	"bufio"
	stdcsv "encoding/csv"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// DefaultMaxLineBytes is the default limit on the size of one line and of
// one record (a record with quoted newlines spans several lines).
const DefaultMaxLineBytes = 16 << 20

// Options tune how a file is read. The zero value detects everything.
type Options struct {
	// Delimiter separates fields; 0 sniffs it among ',', ';', tab and '|'.
	Delimiter rune
	// Encoding is one of "utf-8", "utf-8-bom", "utf-16le", "utf-16be" or
	// "windows-1252" ("cp1252", "latin1" and "iso-8859-1" mean
	// windows-1252); "" detects it from the BOM and the first 64 KiB.
	Encoding string
	// HeaderRow is the 1-based physical line of the header; the lines above
	// it (report titles, export dates) are skipped. 0 means 1.
	HeaderRow int
	// MaxLineBytes bounds one line and one record, in decoded bytes; 0
	// means DefaultMaxLineBytes. Past it, reading stops with a fatal error
	// naming the file and the line.
	MaxLineBytes int
}

// Dialect is the format a file was read in, so that rows can be written
// back (to a rejects file) in the input's own format.
type Dialect struct {
	Delimiter rune   // the field separator
	Encoding  string // "utf-8", "utf-8-bom", "utf-16le", "utf-16be" or "windows-1252"
	CRLF      bool   // lines end in "\r\n" rather than "\n"
}

// Reader streams the rows of one CSV file. It implements record.Reader.
// It is not safe for concurrent use.
type Reader struct {
	name       string
	closer     io.Closer
	cr         *stdcsv.Reader
	win        *window
	dialect    Dialect
	header     []string
	lineOffset int  // physical lines skipped above the header
	lastLine   int  // the line the previous record ended on
	fixUTF8    bool // decode invalid UTF-8 values as Windows-1252
	warned8    bool // the fallback has been reported in Warnings
	warnings   warnings
	err        error // sticky: io.EOF or a fatal error
	closed     bool
}

// Open opens the file at path and reads its header. Errors name the file:
// "open contacts.csv: no such file or directory", "contacts.csv: empty
// file", "contacts.csv: not a CSV file (binary content at byte 2)".
func Open(path string, opts Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory, not a CSV file", path)
	}
	r, err := NewReader(f, path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads CSV from in, which it does not close; name identifies
// the source in errors. It detects the encoding and the delimiter unless
// opts sets them, and reads the header.
func NewReader(in io.Reader, name string, opts Options) (*Reader, error) {
	if err := opts.normalize(name); err != nil {
		return nil, err
	}
	raw := bufio.NewReaderSize(in, peekSize)
	enc, err := detectEncoding(raw, name, opts.Encoding)
	if err != nil {
		return nil, err
	}
	text := bufio.NewReaderSize(decode(raw, enc), peekSize)
	if err := skipLines(text, name, opts.HeaderRow-1, opts.MaxLineBytes); err != nil {
		return nil, err
	}
	d, err := sniffDialect(text, name, opts.Delimiter)
	if err != nil {
		return nil, err
	}
	d.Encoding = enc
	r := &Reader{
		name:       name,
		dialect:    d,
		lineOffset: opts.HeaderRow - 1,
		fixUTF8:    enc == encUTF8 || enc == encUTF8BOM,
	}
	r.win = newWindow(text, opts.MaxLineBytes)
	r.cr = stdcsv.NewReader(r.win)
	r.cr.Comma = d.Delimiter
	r.cr.FieldsPerRecord = -1
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

func (o *Options) normalize(name string) error {
	if o.Delimiter != 0 && !validDelimiter(o.Delimiter) {
		return fmt.Errorf("%s: invalid delimiter %q", name, o.Delimiter)
	}
	if o.HeaderRow < 0 {
		return fmt.Errorf("%s: header row %d: want a 1-based line number", name, o.HeaderRow)
	}
	if o.HeaderRow == 0 {
		o.HeaderRow = 1
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.Encoding != "" {
		enc, ok := canonicalEncoding(o.Encoding)
		if !ok {
			return fmt.Errorf("%s: unknown encoding %q (want utf-8, utf-8-bom, utf-16le, utf-16be or windows-1252)", name, o.Encoding)
		}
		o.Encoding = enc
	}
	return nil
}

// validDelimiter mirrors encoding/csv's rule, so a bad option fails at
// Open with the file's name rather than at the first Read.
func validDelimiter(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// Header returns the column names, trimmed of surrounding space and BOM;
// an empty name is replaced by "Column N" (see Warnings).
func (r *Reader) Header() []string { return r.header }

// Dialect returns the delimiter, encoding and line ending the file was
// read with.
func (r *Reader) Dialect() Dialect { return r.dialect }

// Warnings returns what was repaired or guessed while reading so far:
// renamed empty header names, duplicate header names (lookups use the
// first), values decoded as Windows-1252 in a UTF-8 file. It is bounded.
func (r *Reader) Warnings() []string { return r.warnings.list() }

// Close releases the file opened by Open; it is safe to call more than
// once. After Close, Next returns an error.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.err == nil {
		r.err = fmt.Errorf("%s: %w", r.name, ErrClosed)
	}
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
