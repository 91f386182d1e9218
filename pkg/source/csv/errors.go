package csv

import "errors"

// Sentinel causes of fatal errors, for errors.Is. The errors returned wrap
// them with the file name and, where there is one, the line.
var (
	// ErrEmpty: the file has no header (no bytes, only a BOM, or only
	// blank lines).
	ErrEmpty = errors.New("empty file")
	// ErrBinary: NUL bytes in the first KiB; it is not text.
	ErrBinary = errors.New("not a CSV file")
	// ErrLineTooLong: one physical line is longer than MaxLineBytes.
	ErrLineTooLong = errors.New("line too long")
	// ErrRecordTooLong: one record (quoted newlines included) is longer
	// than MaxLineBytes, most often because a quote was left open.
	ErrRecordTooLong = errors.New("record too long")
	// ErrClosed: Next was called after Close.
	ErrClosed = errors.New("reader closed")
)

// Reason codes of the row errors this source returns (record.RowError.Code).
const (
	CodeFieldCount = "field_count" // more or fewer fields than the header
	CodeBareQuote  = "bare_quote"  // a " inside a field that is not quoted
	CodeQuote      = "quote"       // a quoted field not closed properly
)
