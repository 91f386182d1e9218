package rejects

import (
	"errors"
	"fmt"
	"github.com/alexsync/alexsync/pkg/fileout"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/record"
)

// xlsxSheet is the name of the one sheet of an XLSX rejects file.
const xlsxSheet = "Rejects"

// maxExactDigits is how many significant digits Excel keeps of a number;
// longer ones are written as text so Excel does not round them.
const maxExactDigits = 15

// XLSXWriter writes an XLSX rejects file with excelize's StreamWriter, so
// memory stays bounded however many rows are rejected. It implements
// Writer; it is not safe for concurrent use.
//
// Cells are typed so Excel shows and re-saves them unchanged: the text
// columns (the mapped phone columns), values with a leading zero, numbers
// of more than 15 significant digits and anything that is not a number in
// its plain canonical form are written as text cells; other numbers as
// number cells. The header is bold and frozen. Excel holds at most
// 1,048,576 rows (32,767 characters a cell, beyond which excelize
// truncates): the Write past that fails, and is fatal for the file.
type XLSXWriter struct {
	path   string
	tmp    *os.File
	f      *excelize.File
	sw     *excelize.StreamWriter
	keep   []int
	width  int
	text   []bool // by output column: write as a text cell
	rec    []string
	cells  []any
	count  int
	err    error // sticky
	closed bool
}

var _ Writer = (*XLSXWriter)(nil)

// NewXLSX starts an XLSX rejects file at path for an input with header.
// textColumns name the columns always written as text (matched like
// record.Header names). Rows go to a temp file, mode 0600, in the same
// directory, renamed to path by Close.
func NewXLSX(path string, header []string, textColumns []string) (*XLSXWriter, error) {
	tmp, err := fileout.CreateTemp(path)
	if err != nil {
		return nil, fmt.Errorf("rejects: %w", err)
	}
	w := &XLSXWriter{path: path, tmp: tmp, f: excelize.NewFile(), width: len(header)}
	var names []string
	w.keep, names = columns(header)
	w.text = textFlags(header, w.keep, textColumns)
	if err := w.start(names); err != nil {
		w.abort()
		return nil, fmt.Errorf("rejects %s: %w", path, err)
	}
	return w, nil
}

// textFlags marks the output columns named in textColumns.
func textFlags(header []string, keep []int, textColumns []string) []bool {
	want := make(map[string]bool, len(textColumns))
	for _, name := range textColumns {
		want[record.FoldName(name)] = true
	}
	flags := make([]bool, len(keep)+3)
	for j, i := range keep {
		flags[j] = want[record.FoldName(header[i])]
	}
	flags[len(keep)+1], flags[len(keep)+2] = true, true // _error_code, _error_message
	return flags
}

// start names the sheet, freezes and writes the bold header.
func (w *XLSXWriter) start(names []string) error {
	if err := w.f.SetSheetName("Sheet1", xlsxSheet); err != nil {
		return err
	}
	sw, err := w.f.NewStreamWriter(xlsxSheet)
	if err != nil {
		return err
	}
	w.sw = sw
	bold, err := w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	err = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err != nil {
		return err
	}
	// names always ends with the three added columns; ranges must not overlap.
	if err := sw.SetColWidth(1, len(names)-1, 16); err != nil {
		return err
	}
	if err := sw.SetColWidth(len(names), len(names), 48); err != nil {
		return err
	}
	cells := make([]any, len(names))
	for i, n := range names {
		cells[i] = excelize.Cell{StyleID: bold, Value: n}
	}
	return sw.SetRow("A1", cells)
}

// Write adds one rejected row (see Writer).
func (w *XLSXWriter) Write(values []string, line int, code, message string) error {
	if w.closed {
		return fmt.Errorf("rejects %s: %w", w.path, ErrClosed)
	}
	if w.err != nil {
		return w.err
	}
	w.rec = row(w.rec, w.keep, w.width, values, line, code, message)
	w.cells = w.cells[:0]
	for j, v := range w.rec {
		w.cells = append(w.cells, w.cell(j, v))
	}
	ref, err := excelize.CoordinatesToCellName(1, w.count+2)
	if err == nil {
		err = w.sw.SetRow(ref, w.cells)
	}
	if err != nil {
		w.err = fmt.Errorf("rejects %s: row %d: %w", w.path, w.count+2, err)
		return w.err
	}
	w.count++
	return nil
}

// cell types the value in output column j.
func (w *XLSXWriter) cell(j int, v string) any {
	switch {
	case v == "":
		return nil
	case j < len(w.text) && w.text[j]:
		return v
	}
	if n, ok := plainNumber(v); ok {
		return n
	}
	return v
}

// plainNumber returns v as a number when writing it as a number cell
// reads back as exactly v: canonical digits (no leading zero, plus sign,
// exponent, trailing zero or negative zero) of at most 15 significant
// digits.
func plainNumber(v string) (any, bool) {
	if significantDigits(v) > maxExactDigits {
		return nil, false
	}
	if i, err := strconv.ParseInt(v, 10, 64); err == nil && strconv.FormatInt(i, 10) == v {
		return i, true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f != 0 && strconv.FormatFloat(f, 'f', -1, 64) == v {
		return f, true
	}
	return nil, false
}

func significantDigits(v string) int {
	digits := strings.TrimLeft(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v), "0")
	return len(digits)
}

// Count returns how many rows were written. After Close, 0 means no file
// was left at the path.
func (w *XLSXWriter) Count() int { return w.count }

// Path returns where the file is (or, before Close, will be).
func (w *XLSXWriter) Path() string { return w.path }

// Close writes the workbook to the temp file, syncs it and renames it to
// the path, replacing any file there. With no rows written, or after a
// failed Write, it removes the temp file instead and leaves the path
// alone. It is safe to call more than once; later calls return nil.
func (w *XLSXWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil || w.count == 0 {
		w.abort()
		return w.err
	}
	err := w.sw.Flush()
	if err == nil {
		_, err = w.f.WriteTo(w.tmp)
	}
	err = errors.Join(err, w.tmp.Sync(), w.f.Close())
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

// abort discards the workbook and removes the temp file.
func (w *XLSXWriter) abort() {
	_ = w.f.Close()
	_ = w.tmp.Close()
	_ = os.Remove(w.tmp.Name())
}
