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
// Replace validates a batch and appends it to the workbook's journal (see
// JournalPath; mode 0600, next to the workbook); memory holds one entry
// per key of the run. Commit fsyncs the journal behind a checksummed
// commit record: from then on the rows survive a crash and Abort, though
// the workbook shows them only after a Close. Open reads the journal a
// crashed or aborted run left: its committed rows become the first rows of
// the new run (their keys held in memory too), its uncommitted tail is
// cut off, and the next Close writes them all. Close builds a new workbook
// next to the old one with excelize's StreamWriter: for each sheet of the
// existing workbook, then for each new table, it streams the existing rows
// (excelize's Rows iterator, raw values, so numbers and dates keep every
// digit) dropping those whose key the run replaced, then the run's latest
// rows of each key from the journal; it then fsyncs the temp file, renames
// it over the workbook (mode 0600; missing parent directories are created
// with mode 0700) and removes the journal. A Close that fails cuts the
// journal back to the last Commit (removes it when the run made none). A
// crash after the rename but before the journal is removed only makes the
// next run write the same rows again.
//
// Memory is bounded by the run's keys and by excelize, not by the rows:
// the keys cost about 80 bytes each (a sheet holds at most 1,048,576
// rows, so at most about 85 MB), excelize up to 16 MiB of buffered rows
// per sheet being written, worksheets of the old workbook up to 1 MiB
// unzipped (larger ones go to temp files in the workbook's directory), and
// the old workbook's shared strings (none in workbooks this package
// writes). A workbook is written whole: each Close costs a pass over
// every sheet of it, which is why Commit writes a journal rather than the
// workbook. One run at a time may write a workbook (a pipeline's run lock
// sees to it). An existing sheet whose header is not its table's columns
// is refused with a *HeaderError, and so is a sheet that maps to no known
// table (sink.Calls, sink.TranscriptLines, sink.Contacts or a table of this
// run): this package owns the workbook. Abort cuts the journal back to the
// last Commit and leaves the workbook untouched.
package xlsx

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alexsync/alexsync/pkg/sink"
)

// ErrClosed is returned by Replace, Commit and Close after Close or Abort.
var ErrClosed = errors.New("xlsx sink: writer closed")

// Writer is an XLSX sink.Writer for one run. It is not safe for concurrent
// use.
type Writer struct {
	path   string
	j      *journal            // nil until the first Replace, unless a journal was recovered
	tables map[string]*pending // by sheet name
	order  []*pending          // in order of first Replace (recovered tables first)
	gen    uint32              // batches so far
	nextID uint64              // the journal id of the next new table
	done   bool
	err    error // sticky: the journal could not be written
}

var _ sink.Writer = (*Writer)(nil)

// pending is one table of the run.
type pending struct {
	table sink.Table
	sheet string
	key   int               // index of the key column
	id    uint64            // the table's id in the journal
	keys  map[string]uint32 // each key the run replaced -> the last batch that did
}

// replaced reports whether the run replaced key.
func (p *pending) replaced(key string) bool {
	_, ok := p.keys[key]
	return ok
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

// Open starts a run writing the workbook at path. When a crashed or
// aborted run left a journal, its committed rows are taken into this run
// (see the package doc); otherwise nothing is written until Replace, and
// the workbook is only replaced by Close.
func Open(path string) (*Writer, error) {
	if path == "" {
		return nil, errors.New("xlsx sink: empty path")
	}
	w := &Writer{path: path, tables: map[string]*pending{}}
	if err := w.recover(); err != nil {
		return nil, fmt.Errorf("xlsx sink: %s: %w", JournalPath(path), err)
	}
	return w, nil
}

// Replace stores rows in table (see sink.Writer): it validates every row
// first, so a batch that returns an error has no effect.
func (w *Writer) Replace(table sink.Table, rows []sink.Row) error {
	if w.done {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	sheet, key, err := w.check(table)
	if err != nil {
		return err
	}
	recs, err := encodeRows(table, rows)
	if err != nil {
		return err
	}
	p, err := w.pending(table, sheet, key)
	if err == nil {
		w.gen++
		err = w.j.rows(p.id, w.gen, recs)
	}
	if err != nil {
		w.err = fmt.Errorf("xlsx sink: %s: %w", table.Name, err)
		return w.err
	}
	for _, rec := range recs {
		p.keys[rec[key]] = w.gen
	}
	return nil
}

// check returns the sheet of table and the index of its key column, or
// why this run cannot store it.
func (w *Writer) check(table sink.Table) (string, int, error) {
	sheet := SheetName(table)
	if p, ok := w.tables[sheet]; ok {
		if p.table.Name != table.Name || p.table.Key != table.Key || !slices.Equal(p.table.Columns, table.Columns) {
			return "", 0, fmt.Errorf("xlsx sink: table %s: another table with these columns or sheet %q was written in this run", table.Name, sheet)
		}
		return sheet, p.key, nil
	}
	if sheet == "" {
		return "", 0, fmt.Errorf("xlsx sink: invalid table name %q", table.Name)
	}
	key := slices.IndexFunc(table.Columns, func(c sink.Column) bool { return c.Name == table.Key })
	if key < 0 {
		return "", 0, fmt.Errorf("xlsx sink: table %s: key column %q is not one of its columns", table.Name, table.Key)
	}
	return sheet, key, nil
}

// pending returns the run's state of table, starting it (and the journal)
// on first use.
func (w *Writer) pending(table sink.Table, sheet string, key int) (*pending, error) {
	if p, ok := w.tables[sheet]; ok {
		return p, nil
	}
	if w.j == nil {
		j, err := createJournal(JournalPath(w.path))
		if err != nil {
			return nil, err
		}
		w.j = j
	}
	p := &pending{table: table, sheet: sheet, key: key, id: w.nextID, keys: map[string]uint32{}}
	if err := w.j.table(p.id, table); err != nil {
		return nil, err
	}
	w.nextID++
	w.add(p)
	return p, nil
}

func (w *Writer) add(p *pending) {
	w.tables[p.sheet] = p
	w.order = append(w.order, p)
}

// Commit makes the rows replaced so far durable in the journal (see the
// package doc); the workbook changes only at Close.
func (w *Writer) Commit() error {
	if w.done {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if w.j == nil {
		return nil
	}
	if err := w.j.commit(); err != nil {
		w.err = fmt.Errorf("xlsx sink: %s: %w", w.j.path, err)
		return w.err
	}
	return nil
}

// Close writes the run into the workbook (see the package doc). A run
// that replaced nothing, and recovered nothing, leaves the workbook as it
// is. After Close, Replace, Commit and Close return ErrClosed and Abort
// does nothing.
func (w *Writer) Close() error {
	if w.done {
		return ErrClosed
	}
	w.done = true
	if w.err != nil {
		w.rollback()
		return w.err
	}
	if len(w.order) == 0 {
		w.rollback()
		return nil
	}
	err := w.j.flush()
	if err == nil {
		err = w.commit()
	}
	if err != nil {
		w.rollback()
		return fmt.Errorf("xlsx sink: %s: %w", w.path, err)
	}
	if err := w.j.remove(); err != nil {
		return fmt.Errorf("xlsx sink: %w", err)
	}
	return nil
}

// Abort discards what the run replaced since its last Commit: the
// workbook is left as it was, and the committed rows stay in the journal
// for the next Close. It returns nil after Close or Abort.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	if err := w.rollback(); err != nil {
		return fmt.Errorf("xlsx sink: %w", err)
	}
	return nil
}

func (w *Writer) rollback() error {
	if w.j == nil {
		return nil
	}
	return w.j.rollback()
}
