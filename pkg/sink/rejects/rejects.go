// Package rejects writes the rows a run rejected, wherever in the pipeline
// they were rejected, back out in the input's own columns and format, plus
// three columns that say where each row was and why it was rejected: _row
// (the source line or sheet row), _error_code and _error_message. The user
// fixes the rows in the file and feeds it back as an input.
//
// Values are written exactly as read. In particular values starting with
// '=', '+', '-' or '@' are not escaped against formula injection: the file
// holds the user's own data, to be fixed and fed back, and an escaping
// quote would change the values they import. Open it in a spreadsheet
// with that in mind.
package rejects

import (
	"fmt"

	"github.com/alexsync/alexsync/pkg/record"
)

// The columns added after the input's own, in this order.
const (
	ColumnRow     = "_row"
	ColumnCode    = "_error_code"
	ColumnMessage = "_error_message"
)

// Writer receives the rejected rows of one run. The contract:
//   - Write adds one row: values aligned with the input's header (a short
//     row is padded, a long row's extra values follow the added columns),
//     where it was (line), and why (code and message). An error from
//     Write is fatal for the file; later Writes return it again.
//   - Close publishes the file atomically (it appears whole or not at
//     all); with no rows written it leaves no file. It is safe to call
//     more than once.
type Writer interface {
	Write(values []string, line int, code, message string) error
	Close() error
}

// Dialect is the format of a CSV rejects file: the input's. Its fields
// are those of the CSV source's Dialect, so that one converts to it with
// rejects.Dialect(d) without this package importing the source.
type Dialect struct {
	Delimiter rune   // the field separator; 0 means ','
	Encoding  string // "utf-8" (or ""), "utf-8-bom", "utf-16le", "utf-16be" or "windows-1252"
	CRLF      bool   // end lines with "\r\n"
}

// columns works out which of an input's columns a rejects file keeps:
// all but the added ones, which a rejects file fed back in already has
// (they are written afresh). It returns their indexes and the header.
func columns(header []string) (keep []int, out []string) {
	for i, name := range header {
		switch record.FoldName(name) {
		case ColumnRow, ColumnCode, ColumnMessage:
			continue
		}
		keep = append(keep, i)
		out = append(out, name)
	}
	return keep, append(out, ColumnRow, ColumnCode, ColumnMessage)
}

// row lays out one rejected row in dst: the kept values (padded), the
// added columns, then any values past the header.
func row(dst []string, keep []int, width int, values []string, line int, code, message string) []string {
	dst = dst[:0]
	for _, i := range keep {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		dst = append(dst, v)
	}
	dst = append(dst, fmt.Sprint(line), code, message)
	if len(values) > width {
		dst = append(dst, values[width:]...)
	}
	return dst
}
