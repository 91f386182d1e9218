package xlsx

import (
	"errors"
	"fmt"
	"github.com/alexsync/alexsync/pkg/fileout"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/sink"
)

// HeaderError reports an existing sheet whose header row is not its
// table's columns: the writer refuses to mix two layouts in one sheet.
type HeaderError struct {
	Path, Sheet string
	Got, Want   []string
}

// Error says which file (or sheet) and both headers.
func (e *HeaderError) Error() string {
	return fmt.Sprintf("xlsx sink: %s: sheet %s: existing header %q is not the columns of this table %q; move the workbook away or choose another path",
		e.Path, e.Sheet, e.Got, e.Want)
}

// knownTables are the tables an existing sheet may hold when the run did
// not touch it.
var knownTables = []sink.Table{sink.Calls, sink.TranscriptLines, sink.Contacts}

// oldXMLLimit is the unzipped size above which excelize keeps a worksheet
// of the old workbook in a temp file instead of memory.
const oldXMLLimit = 1 << 20

// sheetPlan is one sheet of the new workbook.
type sheetPlan struct {
	name  string
	table sink.Table
	key   int
	p     *pending // nil for a sheet the run did not touch
	old   bool     // the old workbook has the sheet
}

// commit builds the new workbook and renames it over the old one.
func (w *Writer) commit() error {
	dir := filepath.Dir(w.path)
	old, err := openOld(w.path, dir)
	if err != nil {
		return err
	}
	if old != nil {
		defer old.Close()
	}
	plan, err := w.plan(old)
	if err != nil {
		return err
	}
	nf := excelize.NewFile(excelize.Options{TmpDir: dir})
	defer nf.Close()
	st, err := newStyles(nf)
	if err != nil {
		return err
	}
	for i, sp := range plan {
		if i == 0 {
			err = nf.SetSheetName("Sheet1", sp.name)
		} else {
			_, err = nf.NewSheet(sp.name)
		}
		if err == nil {
			err = w.writeSheet(nf, old, sp, st)
		}
		if err != nil {
			return fmt.Errorf("sheet %s: %w", sp.name, err)
		}
	}
	return writeAtomic(w.path, nf)
}

func openOld(path, dir string) (*excelize.File, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return excelize.OpenFile(path, excelize.Options{TmpDir: dir, UnzipXMLSizeLimit: oldXMLLimit})
}

// plan lists the new workbook's sheets: the old workbook's, in order,
// then the run's new tables.
func (w *Writer) plan(old *excelize.File) ([]sheetPlan, error) {
	var plan []sheetPlan
	if old != nil {
		for _, name := range old.GetSheetList() {
			sp, ok := w.sheetFor(name)
			if !ok {
				return nil, fmt.Errorf("sheet %q holds no table this sink writes; refusing to rewrite the workbook", name)
			}
			sp.old = true
			plan = append(plan, sp)
		}
	}
	for _, p := range w.order {
		if !slices.ContainsFunc(plan, func(sp sheetPlan) bool { return sp.name == p.sheet }) {
			plan = append(plan, sheetPlan{name: p.sheet, table: p.table, key: p.key, p: p})
		}
	}
	return plan, nil
}

func (w *Writer) sheetFor(name string) (sheetPlan, bool) {
	if p, ok := w.tables[name]; ok {
		return sheetPlan{name: name, table: p.table, key: p.key, p: p}, true
	}
	for _, t := range knownTables {
		if SheetName(t) == name {
			key := slices.IndexFunc(t.Columns, func(c sink.Column) bool { return c.Name == t.Key })
			return sheetPlan{name: name, table: t, key: key}, true
		}
	}
	return sheetPlan{}, false
}

// rowWriter streams rows into a sheet from row 2 on.
type rowWriter struct {
	sw   *excelize.StreamWriter
	next int
}

func (rw *rowWriter) write(cells []any) error {
	ref, err := excelize.CoordinatesToCellName(1, rw.next)
	if err == nil {
		err = rw.sw.SetRow(ref, cells)
	}
	if err != nil {
		return fmt.Errorf("row %d: %w", rw.next, err)
	}
	rw.next++
	return nil
}

// writeSheet streams one sheet: header, kept old rows, the run's rows.
func (w *Writer) writeSheet(nf, old *excelize.File, sp sheetPlan, st styles) error {
	sw, err := nf.NewStreamWriter(sp.name)
	if err != nil {
		return err
	}
	if err := startSheet(sw, sp.table, st); err != nil {
		return err
	}
	rw := &rowWriter{sw: sw, next: 2}
	if sp.old {
		if err := copyOld(old, sp, st, rw, w.path); err != nil {
			return err
		}
	}
	if sp.p != nil {
		cells := make([]any, len(sp.table.Columns))
		err := w.eachLatest(sp.p, func(rec []string) error {
			for j, c := range sp.table.Columns {
				cell, err := st.newCell(c.Type, rec[j])
				if err != nil {
					return err
				}
				cells[j] = cell
			}
			return rw.write(cells)
		})
		if err != nil {
			return err
		}
	}
	// The stream writer writes the sheet's autoFilter at Flush, from the
	// worksheet AutoFilter sets.
	last, err := excelize.CoordinatesToCellName(len(sp.table.Columns), max(1, rw.next-1))
	if err == nil {
		err = nf.AutoFilter(sp.name, "A1:"+last, nil)
	}
	if err != nil {
		return err
	}
	return sw.Flush()
}

// startSheet sets column widths, freezes the header row and writes it.
func startSheet(sw *excelize.StreamWriter, table sink.Table, st styles) error {
	for i, c := range table.Columns {
		if err := sw.SetColWidth(i+1, i+1, colWidth(c)); err != nil {
			return err
		}
	}
	err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err != nil {
		return err
	}
	cells := make([]any, len(table.Columns))
	for i, c := range table.Columns {
		cells[i] = excelize.Cell{StyleID: st.header, Value: c.Name}
	}
	return sw.SetRow("A1", cells)
}

// copyOld streams the old sheet's rows whose key the run did not replace.
func copyOld(old *excelize.File, sp sheetPlan, st styles, rw *rowWriter, path string) error {
	rows, err := old.Rows(sp.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := len(sp.table.Columns)
	cells := make([]any, n)
	for line := 1; rows.Next(); line++ {
		raw, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return err
		}
		if line == 1 {
			if want := headerOf(sp.table); !slices.Equal(raw, want) {
				return &HeaderError{Path: path, Sheet: sp.name, Got: raw, Want: want}
			}
			continue
		}
		if len(raw) > n {
			return fmt.Errorf("row %d has %d cells for %d columns", line, len(raw), n)
		}
		if len(raw) == 0 || sp.p != nil && sp.p.replaced(at(raw, sp.key)) {
			continue
		}
		for j, c := range sp.table.Columns {
			if cells[j], err = st.oldCell(c, at(raw, j)); err != nil {
				return fmt.Errorf("row %d: %w", line, err)
			}
		}
		if err := rw.write(cells); err != nil {
			return err
		}
	}
	return rows.Error()
}

func at(rec []string, i int) string {
	if i < len(rec) {
		return rec[i]
	}
	return ""
}

func headerOf(table sink.Table) []string {
	names := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		names[i] = c.Name
	}
	return names
}

// writeAtomic writes nf in place of path (see fileout.Write).
func writeAtomic(path string, nf *excelize.File) error {
	return fileout.Write(path, func(w io.Writer) error {
		_, err := nf.WriteTo(w)
		return err
	})
}
