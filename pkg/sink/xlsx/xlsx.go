// Package xlsx is a sink.Writer that stores each table in a sheet of one
// XLSX workbook, with typed cells, upserting by key across runs.
//
// # Sheets and cells
//
// sink.Calls goes to sheet "Calls", sink.TranscriptLines to "Transcript",
// sink.Contacts to "Contacts"; any other table to a sheet named after it
// (see SheetName). Each sheet has a bold, frozen header row, an autofilter
// over the data and column widths chosen by column type and name. Time
// values are date cells (the Excel date number, UTC, number format
// "yyyy-mm-dd hh:mm:ss"; the zero time is an empty cell), Number values
// are number cells (nil is an empty cell), Text and Phone values are
// inline string cells: never formulas, so a value starting with = + - @
// tab or CR is shown by Excel as the text it is, with no prefix. Excel's
// limits apply: a cell holds at most 32,767 characters (excelize truncates
// longer text), a sheet 1,048,576 rows (Close fails past that), and
// characters XML cannot carry (control characters other than tab, LF and
// CR) are replaced by U+FFFD.
//
// # Runs
//
// Replace validates a batch and appends it to a spool file (mode 0600,
// next to the workbook, removed by Close and Abort); memory holds one
// entry per key of the run. Close builds a new workbook next to the old
// one with excelize's StreamWriter: for each sheet of the existing
// workbook, then for each new table, it streams the existing rows
// (excelize's Rows iterator, raw values, so numbers and dates keep every
// digit) dropping those whose key the run replaced, then the run's latest
// rows of each key; it then fsyncs the temp file and renames it over the
// workbook (mode 0600; missing parent directories are created with mode
// 0700). Memory while closing is bounded by excelize: up to 16 MiB of
// buffered rows per sheet being written, worksheets of the old workbook up
// to 1 MiB unzipped (larger ones go to temp files in the workbook's
// directory), and the old workbook's shared strings (none in workbooks this
// package writes). An existing sheet whose header is not its table's
// columns is refused with a *HeaderError, and so is a sheet that maps to
// no known table (sink.Calls, sink.TranscriptLines, sink.Contacts or a
// table of this run): this package owns the workbook. Abort removes the
// spools and leaves the workbook untouched.
package xlsx

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alexsync/alexsync/pkg/sink"
)

// ErrClosed is returned by Replace and Close after Close or Abort.
var ErrClosed = errors.New("xlsx sink: writer closed")

// Writer is an XLSX sink.Writer for one run. It is not safe for concurrent
// use.
type Writer struct {
	path   string
	tables map[string]*pending // by sheet name
	order  []*pending          // in order of first Replace
	gen    uint32
	done   bool
}

var _ sink.Writer = (*Writer)(nil)

// pending is one table the run touched.
type pending struct {
	table sink.Table
	sheet string
	key   int
	spool *spool
}

// sheetNames maps the sink's tables to their sheets.
var sheetNames = map[string]string{
	sink.Calls.Name:           "Calls",
	sink.TranscriptLines.Name: "Transcript",
	sink.Contacts.Name:        "Contacts",
}

// SheetName returns the sheet a table is stored in: "Calls", "Transcript"
// or "Contacts" for the sink's tables, otherwise the table's name with the
// characters a sheet name cannot hold (: \ / ? * [ ]) replaced by '_',
// truncated to 31 characters.
func SheetName(table sink.Table) string {
	if s, ok := sheetNames[table.Name]; ok {
		return s
	}
	s := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, table.Name)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	return s
}

// Open starts a run writing the workbook at path. Nothing is written
// until Replace, and the workbook is only replaced by Close.
func Open(path string) (*Writer, error) {
	if path == "" {
		return nil, errors.New("xlsx sink: empty path")
	}
	return &Writer{path: path, tables: map[string]*pending{}}, nil
}

// Replace stores rows in table (see sink.Writer): it validates every row
// first, so a batch that returns an error has no effect.
func (w *Writer) Replace(table sink.Table, rows []sink.Row) error {
	if w.done {
		return ErrClosed
	}
	p, err := w.pending(table)
	if err != nil {
		return err
	}
	recs, err := encodeRows(table, rows)
	if err != nil {
		return err
	}
	w.gen++
	if err := p.spool.add(w.gen, p.key, recs); err != nil {
		return fmt.Errorf("xlsx sink: %s: %w", table.Name, err)
	}
	return nil
}

// pending returns the run's state of table, starting it on first use.
func (w *Writer) pending(table sink.Table) (*pending, error) {
	sheet := SheetName(table)
	if p, ok := w.tables[sheet]; ok {
		if p.table.Name != table.Name || p.table.Key != table.Key || !slices.Equal(p.table.Columns, table.Columns) {
			return nil, fmt.Errorf("xlsx sink: table %s: another table with these columns or sheet %q was written in this run", table.Name, sheet)
		}
		return p, nil
	}
	if sheet == "" {
		return nil, fmt.Errorf("xlsx sink: invalid table name %q", table.Name)
	}
	key := slices.IndexFunc(table.Columns, func(c sink.Column) bool { return c.Name == table.Key })
	if key < 0 {
		return nil, fmt.Errorf("xlsx sink: table %s: key column %q is not one of its columns", table.Name, table.Key)
	}
	s, err := newSpool(w.path)
	if err != nil {
		return nil, fmt.Errorf("xlsx sink: %w", err)
	}
	p := &pending{table: table, sheet: sheet, key: key, spool: s}
	w.tables[sheet] = p
	w.order = append(w.order, p)
	return p, nil
}

// Close commits the run (see the package doc). A run that replaced
// nothing leaves the workbook as it is. After Close, Replace and Close
// return ErrClosed and Abort does nothing.
func (w *Writer) Close() error {
	if w.done {
		return ErrClosed
	}
	w.done = true
	defer w.removeSpools()
	if len(w.order) == 0 {
		return nil
	}
	if err := w.commit(); err != nil {
		return fmt.Errorf("xlsx sink: %s: %w", w.path, err)
	}
	return nil
}

// Abort discards the run: the workbook is left as it was. It returns nil
// after Close or Abort.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.removeSpools()
	return nil
}

func (w *Writer) removeSpools() {
	for _, p := range w.order {
		p.spool.remove()
	}
}
