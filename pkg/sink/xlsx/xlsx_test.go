package xlsx_test

import (
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/sink"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
	sinkxlsx "github.com/alexsync/alexsync/pkg/sink/xlsx"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func outPath(dir string) string { return filepath.Join(dir, "out", "calls.xlsx") }

func open(t *testing.T, dir string) sink.Writer {
	t.Helper()
	w, err := sinkxlsx.Open(outPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// readTable reads a table's sheet back in canonical form from raw cell
// values: numbers as stored, dates from their Excel date number.
func readTable(t *testing.T, dir string, table sink.Table) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(outPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := sinkxlsx.SheetName(table)
	if !slices.Contains(f.GetSheetList(), sheet) {
		return nil
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], sinktest.Header(table)) {
		t.Fatalf("sheet %s: header %q", sheet, rows)
	}
	var out [][]string
	for _, raw := range rows[1:] {
		rec := make([]string, len(table.Columns))
		for j, c := range table.Columns {
			if j < len(raw) {
				rec[j] = canonical(t, c.Type, raw[j])
			}
		}
		out = append(out, rec)
	}
	return out
}

func canonical(t *testing.T, typ sink.Type, raw string) string {
	if raw == "" || typ == sink.Text || typ == sink.Phone {
		return raw
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("%q is not a number", raw)
	}
	if typ == sink.Time {
		return sinktest.FormatTime(sinktest.ExcelSerial(f))
	}
	return sinktest.FormatNumber(f)
}

func TestConformance(t *testing.T) { sinktest.Run(t, open, readTable) }

func writeSample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	w := open(t, dir)
	for _, b := range sinktest.Sample() {
		if err := w.Replace(b.Table, b.Rows); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return outPath(dir)
}

// cellDump is one cell as the golden file records it.
type cellDump struct {
	Value   string `json:"v,omitempty"`
	Type    string `json:"t"`
	Formula string `json:"f,omitempty"`
	NumFmt  string `json:"fmt,omitempty"`
	Bold    bool   `json:"bold,omitempty"`
}

type sheetDump struct {
	Name       string       `json:"name"`
	Frozen     bool         `json:"frozen"`
	TopLeft    string       `json:"top_left_cell"`
	AutoFilter string       `json:"autofilter"`
	Widths     []float64    `json:"widths"`
	Rows       [][]cellDump `json:"rows"`
}

var cellTypes = map[excelize.CellType]string{
	excelize.CellTypeUnset: "unset", excelize.CellTypeBool: "bool", excelize.CellTypeDate: "date",
	excelize.CellTypeError: "error", excelize.CellTypeFormula: "formula", excelize.CellTypeInlineString: "inline_string",
	excelize.CellTypeNumber: "number", excelize.CellTypeSharedString: "shared_string",
}

// dump describes every sheet of the workbook at path, cell by cell.
func dump(t *testing.T, path string) []sheetDump {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	filters := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			filters[dn.Scope] = dn.RefersTo
		}
	}
	var out []sheetDump
	for _, sheet := range f.GetSheetList() {
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		d := sheetDump{Name: sheet, Frozen: panes.Freeze, TopLeft: panes.TopLeftCell, AutoFilter: filters[sheet]}
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for c := 1; c <= len(rows[0]); c++ {
			name, _ := excelize.ColumnNumberToName(c)
			width, _ := f.GetColWidth(sheet, name)
			d.Widths = append(d.Widths, width)
		}
		for r := range rows {
			var row []cellDump
			for c := range rows[0] {
				row = append(row, dumpCell(t, f, sheet, c+1, r+1))
			}
			d.Rows = append(d.Rows, row)
		}
		out = append(out, d)
	}
	return out
}

func dumpCell(t *testing.T, f *excelize.File, sheet string, col, row int) cellDump {
	ref, _ := excelize.CoordinatesToCellName(col, row)
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := f.GetCellType(sheet, ref)
	formula, _ := f.GetCellFormula(sheet, ref)
	d := cellDump{Value: v, Type: cellTypes[typ], Formula: formula}
	if id, _ := f.GetCellStyle(sheet, ref); id != 0 {
		style, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if style.CustomNumFmt != nil {
			d.NumFmt = *style.CustomNumFmt
		}
		d.Bold = style.Font != nil && style.Font.Bold
	}
	return d
}

func TestGolden(t *testing.T) {
	got, err := json.MarshalIndent(dump(t, writeSample(t)), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	sinktest.Golden(t, filepath.Join("testdata", "sample.golden.json"), append(got, '\n'), *update)
}
