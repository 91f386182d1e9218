package xlsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/sink"
)

// dateFormat is the number format of Time cells.
const dateFormat = "yyyy-mm-dd hh:mm:ss"

// encodeRows validates rows and returns them as spool fields: Text and
// Phone as is, a Number with strconv 'g' -1, a Time as RFC 3339 with
// nanoseconds in UTC; nil and the zero time are "".
func encodeRows(table sink.Table, rows []sink.Row) ([][]string, error) {
	out := make([][]string, len(rows))
	for i, row := range rows {
		if len(row) != len(table.Columns) {
			return nil, fmt.Errorf("xlsx sink: %s row %d: %d values for %d columns", table.Name, i, len(row), len(table.Columns))
		}
		rec := make([]string, len(row))
		for j, col := range table.Columns {
			s, err := encodeValue(col, row[j])
			if err != nil {
				return nil, fmt.Errorf("xlsx sink: %s row %d: %w", table.Name, i, err)
			}
			rec[j] = s
		}
		out[i] = rec
	}
	return out, nil
}

func encodeValue(col sink.Column, v any) (string, error) {
	if v == nil && col.Type >= sink.Text && col.Type <= sink.Time {
		return "", nil
	}
	switch x := v.(type) {
	case string:
		if col.Type == sink.Text || col.Type == sink.Phone {
			return x, nil
		}
	case float64:
		if col.Type == sink.Number {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return "", fmt.Errorf("column %s: %v is not a finite number", col.Name, x)
			}
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	case time.Time:
		if col.Type == sink.Time {
			if x.IsZero() {
				return "", nil
			}
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	}
	return "", fmt.Errorf("column %s: a %T cannot be stored in a column of type %d", col.Name, v, col.Type)
}

// styles are the cell styles of one new workbook.
type styles struct {
	header, date int
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return s, err
	}
	format := dateFormat
	s.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	return s, err
}

// newCell returns the cell of a spool field.
func (s styles) newCell(typ sink.Type, v string) (any, error) {
	if v == "" {
		return nil, nil
	}
	switch typ {
	case sink.Number:
		return strconv.ParseFloat(v, 64)
	case sink.Time:
		t, err := time.Parse(time.RFC3339Nano, v)
		return excelize.Cell{StyleID: s.date, Value: t}, err
	}
	return v, nil
}

// oldCell returns the cell of a raw value read from the old workbook:
// numbers and date numbers keep their exact text.
func (s styles) oldCell(col sink.Column, raw string) (any, error) {
	if raw == "" {
		return nil, nil
	}
	switch col.Type {
	case sink.Number:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return nil, fmt.Errorf("column %s: %q is not a number", col.Name, raw)
		}
		return f, nil
	case sink.Time:
		if f, err := strconv.ParseFloat(raw, 64); err == nil {
			return excelize.Cell{StyleID: s.date, Value: f}, nil
		}
		// excelize writes times before 1900 as RFC 3339 text.
		if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
			return excelize.Cell{StyleID: s.date, Value: t}, nil
		}
		return nil, fmt.Errorf("column %s: %q is not a date", col.Name, raw)
	}
	return raw, nil
}

// colWidth is a column's width: by type, wider for long text, never
// narrower than its header, capped at 60.
func colWidth(c sink.Column) float64 {
	w := 18.0
	switch {
	case c.Type == sink.Time:
		w = 20
	case c.Type == sink.Number:
		w = 12
	case c.Type == sink.Phone:
		w = 16
	case c.Name == "summary" || c.Name == "text" || c.Name == "metadata":
		w = 60
	case strings.HasSuffix(c.Name, "_url"):
		w = 40
	}
	return min(60, max(w, float64(len(c.Name))+2))
}
