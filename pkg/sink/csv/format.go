package csv

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alexsync/alexsync/pkg/sink"
)

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (OWASP CSV injection).
const formulaStarts = "=+-@\t\r"

// Neutralize returns the text a CSV cell stores for value s of a column of
// type typ: s with a leading apostrophe when a spreadsheet would otherwise
// run it as a formula, so Excel shows it as text. Only Text and Phone
// values are touched, and a valid E.164 phone never is. A value is
// prefixed when it starts with one of = + - @ tab CR after any number of
// apostrophes, which makes Restore its exact inverse.
func Neutralize(typ sink.Type, s string) string {
	if needsPrefix(typ, s) {
		return "'" + s
	}
	return s
}

// Restore returns the value whose Neutralize is s: it removes the
// apostrophe Neutralize added.
func Restore(typ sink.Type, s string) string {
	if strings.HasPrefix(s, "'") && needsPrefix(typ, s[1:]) {
		return s[1:]
	}
	return s
}

func needsPrefix(typ sink.Type, s string) bool {
	switch {
	case typ != sink.Text && typ != sink.Phone:
		return false
	case typ == sink.Phone && isE164(s):
		return false
	}
	t := strings.TrimLeft(s, "'")
	return t != "" && strings.IndexByte(formulaStarts, t[0]) >= 0
}

// isE164 reports whether s is + and 2 to 15 digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Format returns the text of value v in column col: see the package doc.
// A value of the wrong type, or a NaN or infinite number, is an error.
func Format(col sink.Column, v any) (string, error) {
	switch col.Type {
	case sink.Text, sink.Phone:
		switch x := v.(type) {
		case string:
			return Neutralize(col.Type, x), nil
		case nil:
			return "", nil
		}
	case sink.Number:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return "", fmt.Errorf("column %s: %v is not a finite number", col.Name, x)
			}
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case nil:
			return "", nil
		}
	case sink.Time:
		if v == nil {
			return "", nil
		}
		if x, ok := v.(time.Time); ok {
			if x.IsZero() {
				return "", nil
			}
			return x.UTC().Format(time.RFC3339), nil
		}
	default:
		return "", fmt.Errorf("column %s: unknown column type %d", col.Name, col.Type)
	}
	return "", fmt.Errorf("column %s: a %T cannot be stored in a %s column", col.Name, v, typeName(col.Type))
}

func typeName(t sink.Type) string {
	switch t {
	case sink.Text:
		return "Text"
	case sink.Phone:
		return "Phone"
	case sink.Number:
		return "Number"
	case sink.Time:
		return "Time"
	}
	return strconv.Itoa(int(t))
}

// encodeRows validates and encodes rows as CSV lines, returning the lines
// and the key of each.
func encodeRows(table sink.Table, key int, rows []sink.Row, crlf bool) ([][]byte, []string, error) {
	lines := make([][]byte, len(rows))
	keys := make([]string, len(rows))
	rec := make([]string, len(table.Columns))
	for i, row := range rows {
		if len(row) != len(table.Columns) {
			return nil, nil, fmt.Errorf("csv sink: %s row %d: %d values for %d columns", table.Name, i, len(row), len(table.Columns))
		}
		for j, col := range table.Columns {
			s, err := Format(col, row[j])
			if err != nil {
				return nil, nil, fmt.Errorf("csv sink: %s row %d: %w", table.Name, i, err)
			}
			rec[j] = s
		}
		keys[i] = rec[key]
		lines[i] = appendRecord(nil, rec, crlf)
	}
	return lines, keys, nil
}

// appendRecord appends rec as one CSV line. It quotes like encoding/csv
// but writes every field byte for byte: encoding/csv's CRLF mode turns LF
// inside a field into CRLF and drops a lone CR.
func appendRecord(buf []byte, rec []string, crlf bool) []byte {
	for i, f := range rec {
		if i > 0 {
			buf = append(buf, ',')
		}
		if !needsQuotes(f) && !(len(rec) == 1 && f == "") {
			buf = append(buf, f...)
			continue
		}
		buf = append(buf, '"')
		for {
			j := strings.IndexByte(f, '"')
			if j < 0 {
				break
			}
			buf = append(buf, f[:j+1]...)
			buf = append(buf, '"')
			f = f[j+1:]
		}
		buf = append(buf, f...)
		buf = append(buf, '"')
	}
	if crlf {
		return append(buf, '\r', '\n')
	}
	return append(buf, '\n')
}

// needsQuotes is encoding/csv's rule: quote a field holding a comma, a
// quote, CR or LF, starting with a space, or equal to `\.`.
func needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` || strings.ContainsAny(f, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}
