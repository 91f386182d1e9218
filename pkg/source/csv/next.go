package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alexsync/alexsync/pkg/record"
)

// Next returns the next row, skipping blank lines and rows whose values
// are all blank. It returns io.EOF after the last row (and again on every
// later call); a *record.RowError for a row with the wrong number of
// fields or a quoting error (call Next again to go on); any other error is
// fatal, names the file, and is returned again on every later call.
//
// Row.Line is the physical line the record starts on, counting from the
// first line of the file (lines above HeaderRow included), as a text
// editor shows it. Values are fresh for each row and safe to keep.
func (r *Reader) Next() (record.Row, error) {
	if r.err != nil {
		return record.Row{}, r.err
	}
	for {
		fields, err := r.cr.Read()
		if err != nil {
			return record.Row{}, r.readError(fields, err)
		}
		line := r.endRecord(fields)
		if blank(fields) {
			continue
		}
		values := r.values(fields, line)
		if len(values) != len(r.header) {
			return record.Row{}, &record.RowError{
				Line:   line,
				Code:   CodeFieldCount,
				Err:    fmt.Errorf("%d fields, the header has %d", len(values), len(r.header)),
				Values: values,
			}
		}
		return record.Row{Line: line, Values: values}, nil
	}
}

// readHeader reads the first non-blank record as the header.
func (r *Reader) readHeader() error {
	for {
		fields, err := r.cr.Read()
		if err != nil {
			if errors.Is(err, io.EOF) && r.lineOffset > 0 {
				return fmt.Errorf("%s: %w: no header on or after line %d", r.name, ErrEmpty, r.lineOffset+1)
			}
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("%s: %w", r.name, ErrEmpty)
			}
			var pe *stdcsv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("%s: line %d: cannot read the header: %w", r.name, pe.StartLine+r.lineOffset, pe.Err)
			}
			return r.fatal(err)
		}
		line := r.endRecord(fields)
		if blank(fields) {
			continue
		}
		r.header = cleanHeader(r.values(fields, line), &r.warnings)
		return nil
	}
}

// endRecord moves the window past the record just read and returns the
// line it starts on.
func (r *Reader) endRecord(fields []string) int {
	r.win.setMark(r.cr.InputOffset())
	start, _ := r.cr.FieldPos(0)
	last, _ := r.cr.FieldPos(len(fields) - 1)
	r.lastLine = last + r.lineOffset + strings.Count(fields[len(fields)-1], "\n")
	return start + r.lineOffset
}

// values repairs invalid UTF-8 in fields (see fixEncoding), a slice that
// encoding/csv does not reuse, and returns it.
func (r *Reader) values(fields []string, line int) []string {
	if r.fixUTF8 && r.win.text.bad {
		r.fixEncoding(fields, line)
	}
	return fields
}

// fixEncoding decodes, as Windows-1252, the values of a file detected (or
// declared) as UTF-8 that are not valid UTF-8: the detection only saw the
// first 64 KiB, and exports that mix both are common. It warns once.
func (r *Reader) fixEncoding(values []string, line int) {
	for i, v := range values {
		if utf8.ValidString(v) {
			continue
		}
		values[i] = fromCP1252(v)
		if !r.warned8 {
			r.warned8 = true
			r.warnings.add("line %d: invalid UTF-8; values like it are read as Windows-1252", line)
		}
	}
}

// readError turns an encoding/csv error into io.EOF, a *record.RowError
// or a fatal error, and remembers the terminal ones.
func (r *Reader) readError(fields []string, err error) error {
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		text := r.win.take(r.cr.InputOffset())
		r.lastLine = pe.Line + r.lineOffset
		re := &record.RowError{
			Line:   pe.StartLine + r.lineOffset,
			Code:   CodeQuote,
			Err:    fmt.Errorf("byte %d: %w", pe.Column, pe.Err),
			Values: r.values(lenientFields(text, r.dialect.Delimiter, len(r.header)), pe.StartLine+r.lineOffset),
		}
		if pe.Line != pe.StartLine {
			re.Err = fmt.Errorf("line %d, byte %d: %w", pe.Line+r.lineOffset, pe.Column, pe.Err)
		}
		if errors.Is(pe.Err, stdcsv.ErrBareQuote) {
			re.Code = CodeBareQuote
		}
		if i := len(fields); i < len(r.header) {
			re.Column = r.header[i]
		}
		return re
	}
	if errors.Is(err, io.EOF) {
		r.err = io.EOF
		return io.EOF
	}
	r.err = r.fatal(err)
	return r.err
}

// fatal names the file (and the line, for a limit) in err.
func (r *Reader) fatal(err error) error {
	var le *limitError
	if errors.As(err, &le) {
		if errors.Is(le.cause, ErrRecordTooLong) {
			return fmt.Errorf("%s: record starting after line %d: %w: over %d bytes by line %d; is a quote left open?",
				r.name, r.lastLine, le.cause, r.win.max, le.line+r.lineOffset)
		}
		return fmt.Errorf("%s: line %d: %w: over %d bytes, the longest line a CSV source may have (is the file really CSV?)", r.name, le.line+r.lineOffset, le.cause, r.win.max)
	}
	return fmt.Errorf("%s: %w", r.name, err)
}

// lenientFields splits the text of a record encoding/csv rejected, so the
// rejects file gets the row's values rather than a fragment: first with
// lazy quotes (a quote is literal where it cannot be syntax); when that
// does not give want fields, by the delimiter alone, quotes and all; when
// neither does, the lazy split.
func lenientFields(text []byte, delim rune, want int) []string {
	lazy := lazyFields(text, delim)
	if len(lazy) == want {
		return lazy
	}
	s := strings.Trim(string(text), "\r\n")
	if plain := strings.Split(s, string(delim)); len(plain) == want {
		return plain
	}
	return lazy
}

// lazyFields parses text with encoding/csv's LazyQuotes, joining the
// fields of its non-blank records into one list.
func lazyFields(text []byte, delim rune) []string {
	cr := stdcsv.NewReader(bytes.NewReader(text))
	cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = delim, true, -1
	var out []string
	for {
		rec, err := cr.Read()
		if err != nil {
			return out
		}
		if !blank(rec) {
			out = append(out, rec...)
		}
	}
}

// blank reports whether every value is empty or white space.
func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
