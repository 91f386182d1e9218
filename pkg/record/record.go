// Package record holds the values that flow through a pipeline: source
// rows with their origin, the errors that reject a row, and contacts
// ready to send, with the fingerprints the sync engine diffs on.
package record

import (
	"errors"
	"fmt"
	"strings"
)

// Row is one record read from a source. Values are aligned with the
// source's header; a short row is padded with "" and a long one keeps its
// extra values (it is a RowError anyway).
type Row struct {
	Line   int      // 1-based: the CSV line the record starts on, the sheet row, or the SQL row ordinal
	Values []string // raw values as read, in header order
}

// RowError rejects one row: it is counted, written to the rejects file
// with Code and the message, and the run goes on. It is never fatal.
type RowError struct {
	Line   int      // where the row is in the source (see Row.Line)
	Column string   // the offending column, when there is one
	Code   string   // a stable reason code, e.g. "field_count", "invalid_number"
	Err    error    // what is wrong, for people
	Values []string // the raw values of the row, for the rejects file
}

// Error formats the error as "line 12, column \"Phone\": message".
func (e *RowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString(e.Code)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *RowError) Unwrap() error { return e.Err }

// AsRowError reports whether err is (or wraps) a RowError.
func AsRowError(err error) (*RowError, bool) {
	var re *RowError
	ok := errors.As(err, &re)
	return re, ok
}

// Reader streams rows from one source. The contract every source passes
// (see package sourcetest):
//   - Header returns the column names exactly as the source has them
//     (trimmed of surrounding space and a BOM); it is valid after the
//     reader is opened and does not change.
//   - Next returns the next row, io.EOF after the last one, a *RowError
//     for a row that cannot be read (the caller counts it and calls Next
//     again), or any other error, which is fatal for the read.
//   - Blank rows are skipped, never returned.
//   - Close releases the source; it is safe to call more than once.
type Reader interface {
	Header() []string
	Next() (Row, error)
	Close() error
}

// Header finds columns by name: trimmed and case-insensitive, the way
// people type header names in a mapping file.
type Header struct {
	names []string
	index map[string]int
}

// NewHeader indexes names. When two columns share a name (after folding),
// the first one wins.
func NewHeader(names []string) *Header {
	h := &Header{names: names, index: make(map[string]int, len(names))}
	for i, n := range names {
		k := FoldName(n)
		if _, dup := h.index[k]; !dup {
			h.index[k] = i
		}
	}
	return h
}

// FoldName is the form in which header names are compared.
func FoldName(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// Names returns the header as read.
func (h *Header) Names() []string { return h.names }

// Index returns the position of the column called name.
func (h *Header) Index(name string) (int, bool) {
	i, ok := h.index[FoldName(name)]
	return i, ok
}

// Get returns row's value in column name, "" when the column or the value
// is missing.
func (h *Header) Get(row Row, name string) string {
	if i, ok := h.Index(name); ok && i < len(row.Values) {
		return row.Values[i]
	}
	return ""
}
