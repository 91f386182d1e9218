// Package csv is a sink.Writer that stores each table in a CSV file:
// header row, RFC 4180 quoting, UTF-8, upserting by key across runs.
//
// # Files
//
// The Calls table goes to the path given to Open; any other table goes to
// a sibling file named after the path without its ".csv" extension, a dot,
// the table name and ".csv": for path "out/calls.csv" the transcript lines
// go to "out/calls.call_transcript_lines.csv" and the contacts to
// "out/calls.contacts.csv" (see TablePath).
//
// # Values
//
// Text and Phone values are written as is, except that a value a
// spreadsheet would run as a formula gets a leading apostrophe (see
// Neutralize); a valid E.164 phone such as "+14155550123" is never
// altered. Numbers are written with strconv 'f' -1 (nil is empty), times
// in UTC as RFC 3339 to the second, "2026-01-15T14:30:00Z" (the zero time
// is empty). With Options.Excel the file starts with a UTF-8 byte-order
// mark and lines end with CRLF; values are written byte for byte either
// way (a CR LF inside a value is read back by encoding/csv, and so kept by
// later runs, as LF).
//
// # Runs
//
// Replace formats and validates a batch, then appends it to a spool file
// (mode 0600, next to the output, removed by Commit, Close and Abort) and
// records its keys; memory holds one entry per key replaced since the
// last Commit, not the rows. Commit (and Close) rewrites each file touched
// since the last Commit: it streams the existing file row by row into a
// temp file in the same directory, dropping the rows whose key was
// replaced, appends the latest rows of each key, then fsyncs and renames
// the temp file over the output (mode 0600; missing parent directories are
// created with mode 0700) and syncs the directory. All touched files are
// built before any is renamed, so an error while building leaves every
// file as it was at the last Commit. A Commit costs a pass over each
// touched file, so a caller committing every n rows of a run of N pays
// about N/n such passes. An existing file whose header is not the table's
// columns is refused with a *HeaderError. Abort removes the spools and
// leaves the files as the last Commit made them. After a failed Commit
// the writer only aborts.
package csv

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/alexsync/alexsync/pkg/sink"
)

// ErrClosed is returned by Replace and Close after Close or Abort.
var ErrClosed = errors.New("csv sink: writer closed")

// Options configure a Writer. The zero value writes plain UTF-8 with LF
// line endings.
type Options struct {
	// Excel adds a UTF-8 byte-order mark and ends lines with CRLF, so
	// that Excel opens the file as UTF-8.
	Excel bool
	// Main names the table stored at the path given to Open (default
	// sink.Calls); the others go to sibling files (see TablePath). An
	// export of contacts sets it to sink.Contacts.Name.
	Main string
}

// Writer is a CSV sink.Writer for one run. It is not safe for concurrent
// use.
type Writer struct {
	path   string
	opts   Options
	tables map[string]*pending // touched since the last Commit
	order  []*pending          // in order of first Replace since the last Commit
	gen    uint32              // batches so far
	done   bool
	err    error // sticky: a Commit failed
}

var _ sink.Writer = (*Writer)(nil)

// pending is one table the run touched.
type pending struct {
	table sink.Table
	key   int    // index of the key column
	file  string // output path
	spool *spool
}

// Open starts a run writing to path (see the package doc for the file of
// each table). Nothing is written until Replace.
func Open(path string, opts Options) (*Writer, error) {
	if path == "" {
		return nil, errors.New("csv sink: empty path")
	}
	return &Writer{path: path, opts: opts, tables: map[string]*pending{}}, nil
}

// TablePath returns the file a table is stored in when Open is given
// path: path itself for sink.Calls, otherwise the path without a ".csv"
// extension (any case) followed by "." + table name + ".csv".
func TablePath(path string, table sink.Table) string {
	if table.Name == sink.Calls.Name {
		return path
	}
	base := path
	if ext := filepath.Ext(path); strings.EqualFold(ext, ".csv") {
		base = strings.TrimSuffix(path, ext)
	}
	return base + "." + table.Name + ".csv"
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
	p, err := w.pending(table)
	if err != nil {
		return err
	}
	lines, keys, err := encodeRows(table, p.key, rows, w.opts.Excel)
	if err != nil {
		return err
	}
	w.gen++
	if err := p.spool.add(w.gen, keys, lines); err != nil {
		return fmt.Errorf("csv sink: %s: %w", table.Name, err)
	}
	return nil
}

// pending returns the run's state of table, starting it on first use: the
// table is checked, and so is the header of an existing file.
func (w *Writer) pending(table sink.Table) (*pending, error) {
	if p, ok := w.tables[table.Name]; ok {
		if p.table.Key != table.Key || !slices.Equal(p.table.Columns, table.Columns) {
			return nil, fmt.Errorf("csv sink: table %s changed its columns within the run", table.Name)
		}
		return p, nil
	}
	key, err := checkTable(table)
	if err != nil {
		return nil, err
	}
	file := TablePath(w.path, table)
	if w.opts.Main != "" && table.Name == w.opts.Main {
		file = w.path
	}
	if err := checkHeader(file, table); err != nil {
		return nil, err
	}
	s, err := newSpool(file)
	if err != nil {
		return nil, fmt.Errorf("csv sink: %w", err)
	}
	p := &pending{table: table, key: key, file: file, spool: s}
	w.tables[table.Name] = p
	w.order = append(w.order, p)
	return p, nil
}

// checkTable returns the index of table's key column, or an error for a
// table this sink cannot store.
func checkTable(table sink.Table) (int, error) {
	if table.Name == "" || strings.ContainsAny(table.Name, `/\`) || table.Name == "." || table.Name == ".." {
		return 0, fmt.Errorf("csv sink: invalid table name %q", table.Name)
	}
	key := slices.IndexFunc(table.Columns, func(c sink.Column) bool { return c.Name == table.Key })
	if key < 0 {
		return 0, fmt.Errorf("csv sink: table %s: key column %q is not one of its columns", table.Name, table.Key)
	}
	return key, nil
}

// Commit writes every row replaced since the last Commit into the files
// (see the package doc); the writer stays open.
func (w *Writer) Commit() error {
	if w.done {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if err := w.commit(); err != nil {
		w.err = err
		return err
	}
	return nil
}

// commit builds every touched file, renames them over the outputs, and
// starts afresh.
func (w *Writer) commit() error {
	var built []string // temp files, parallel to w.order
	for _, p := range w.order {
		tmp, err := build(p, w.opts)
		if err != nil {
			removeAll(built)
			return err
		}
		built = append(built, tmp)
	}
	if err := commit(w.order, built); err != nil {
		return err
	}
	w.removeSpools()
	w.tables, w.order = map[string]*pending{}, nil
	return nil
}

// Close commits the run (see the package doc). After Close, Replace,
// Commit and Close return ErrClosed and Abort does nothing.
func (w *Writer) Close() error {
	if w.done {
		return ErrClosed
	}
	err := w.Commit()
	w.done = true
	w.removeSpools()
	return err
}

// Abort discards the rows replaced since the last Commit: the files are
// left as the last Commit made them. It returns nil after Close or Abort.
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
