package xlsx

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/record"
)

var update = flag.Bool("update", false, "rebuild testdata/xlsx fixtures and golden files")

// fixtureDir holds the committed fixtures; goldens live in its golden/.
var fixtureDir = filepath.Join("..", "..", "..", "testdata", "xlsx")

var goldenCases = []struct {
	name, fixture string
	opts          Options
}{
	{"hidden_first_default", "hidden_first.xlsx", Options{}},
	{"hidden_first_by_name", "hidden_first.xlsx", Options{Sheet: "archive"}},
	{"hidden_first_by_index", "hidden_first.xlsx", Options{SheetIndex: 2}},
	{"hidden_first_missing_sheet", "hidden_first.xlsx", Options{Sheet: "Leads"}},
	{"hidden_first_index_out_of_range", "hidden_first.xlsx", Options{SheetIndex: 3}},
	{"numbers", "numbers.xlsx", Options{}},
	{"dates_1900", "dates1900.xlsx", Options{}},
	{"dates_1904", "dates1904.xlsx", Options{}},
	{"trailing", "trailing.xlsx", Options{}},
	{"header_row_3", "title_header3.xlsx", Options{HeaderRow: 3}},
	{"header_row_default_on_title", "title_header3.xlsx", Options{}},
	{"header_row_2_blank", "title_header3.xlsx", Options{HeaderRow: 2}},
	{"not_xlsx", "not_xlsx.xlsx", Options{}},
	{"zip_not_workbook", "zip_not_workbook.xlsx", Options{}},
	{"encrypted", "encrypted.xlsx", Options{}},
	{"empty_sheet", "empty_sheet.xlsx", Options{}},
	{"no_sheets", "no_sheets.xlsx", Options{}},
}

func TestGolden(t *testing.T) {
	if *update {
		writeFixtures(t)
	}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got := describe(t, filepath.Join(fixtureDir, tc.fixture), tc.opts)
			golden := filepath.Join(fixtureDir, "golden", tc.name+".golden")
			if *update {
				must(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				must(t, os.WriteFile(golden, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			must(t, err)
			if got != string(want) {
				t.Errorf("%s differs from %s (rerun with -update if intended):\n%s", tc.fixture, golden, got)
			}
		})
	}
}

// describe reads a fixture into the golden text: the header, every row
// with its line, every row error, or the Open error.
func describe(t *testing.T, path string, opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "options: %+v\n", opts)
	r, err := Open(path, opts)
	if err != nil {
		fmt.Fprintf(&b, "open error: %s\n", strings.ReplaceAll(err.Error(), fixtureDir+string(filepath.Separator), ""))
		return b.String()
	}
	defer r.Close()
	fmt.Fprintf(&b, "sheet: %q\nheader: %q\n", r.Sheet(), r.Header())
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			b.WriteString("EOF\n")
			return b.String()
		}
		if re, ok := record.AsRowError(err); ok {
			fmt.Fprintf(&b, "row error %s: %v %q\n", re.Code, re, re.Values)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		fmt.Fprintf(&b, "line %d: %q\n", row.Line, row.Values)
	}
}

func writeFixtures(t *testing.T) {
	t.Helper()
	must(t, os.MkdirAll(fixtureDir, 0o755))
	at := func(name string) string { return filepath.Join(fixtureDir, name) }
	writeHiddenFirst(t, at("hidden_first.xlsx"))
	writeNumbers(t, at("numbers.xlsx"))
	writeDates(t, at("dates1900.xlsx"), false)
	writeDates(t, at("dates1904.xlsx"), true)
	writeTrailing(t, at("trailing.xlsx"))
	writeTitleHeader(t, at("title_header3.xlsx"))
	must(t, os.WriteFile(at("not_xlsx.xlsx"), []byte("Name,Phone\nAda,15551234567\n"), 0o644))
	must(t, os.WriteFile(at("zip_not_workbook.xlsx"), zipBytes(t, map[string][]byte{"readme.txt": []byte("hello")}), 0o644))
	writeEncrypted(t, at("encrypted.xlsx"))
	buildWorkbook(t, at("empty_sheet.xlsx"), false, nil, sheetSpec{Name: "Sheet1"})
	files := readZip(t, at("empty_sheet.xlsx"))
	files["xl/workbook.xml"] = []byte(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>`)
	must(t, os.WriteFile(at("no_sheets.xlsx"), zipBytes(t, files), 0o644))
}

// row lays values out from column A of row n; nil leaves a cell empty.
func row(n int, values ...any) []cellSpec {
	var cells []cellSpec
	for i, v := range values {
		if v == nil {
			continue
		}
		ref, _ := excelize.CoordinatesToCellName(i+1, n)
		cells = append(cells, cellSpec{Ref: ref, Value: v})
	}
	return cells
}

func cells(rows ...[]cellSpec) []cellSpec {
	var out []cellSpec
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func writeHiddenFirst(t *testing.T, path string) {
	buildWorkbook(t, path, false, nil,
		sheetSpec{Name: "Archive", Hidden: true, Cells: cells(row(1, "Old Name", "Old Phone"), row(2, "Gone", int64(15550000000)))},
		sheetSpec{Name: "Contacts", Cells: cells(row(1, "Name", "Phone"), row(2, "Ada", int64(15551234567)), row(3, "Bob", "+44 7911 123456"))},
	)
}

// writeNumbers has phones as number cells, in the encodings other tools
// write: plain, exponent, with a trailing .0, and a formula's cached value.
func writeNumbers(t *testing.T, path string) {
	patches := map[string]string{
		`<c r="C3"><v>900001</v></c>`: `<c r="C3"><v>1.5551234567E+10</v></c>`,
		`<c r="C4"><v>900002</v></c>`: `<c r="C4"><v>15551234567.0</v></c>`,
		`<c r="C5"><v>900003</v></c>`: `<c r="C5"><v>12345678901234567890</v></c>`,
		`<c r="F2"><v>900004</v></c>`: `<c r="F2"><f>A2*2</f><v>2</v></c>`,
		`<c r="F3"><v>900005</v></c>`: `<c r="F3" t="str"><f>B3&amp;"!"</f><v>Bob!</v></c>`,
		`<c r="F4"><v>900006</v></c>`: `<c r="F4"><f>C4/1</f><v>1.5551234567E+10</v></c>`,
	}
	buildWorkbook(t, path, false, patches, sheetSpec{Name: "Numbers", Cells: cells(
		row(1, "ID", "Name", "Phone", "Amount", "Zip", "Formula", "Flag"),
		row(2, 1, "Ada", int64(15551234567), 12.5, "0042", 900004, true),
		row(3, 2, "Bob", 900001, 0.1, "01234", 900005, false),
		row(4, 3, "Cy", 900002, -42.75, "1.5E+10", 900006),
		row(5, 4, "Di", 900003, 1e-7, "00000"),
	)})
}

func writeDates(t *testing.T, path string, date1904 bool) {
	offset := 0.0
	if date1904 {
		offset = 1462 // days between the 1900 and 1904 epochs
	}
	date := &excelize.Style{NumFmt: 14}
	stamp := &excelize.Style{NumFmt: 22}
	custom := &excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")}
	days := &excelize.Style{CustomNumFmt: ptr(`0 "days"`)}
	clock := &excelize.Style{NumFmt: 20}
	sh := sheetSpec{Name: "Dates", Cells: cells(row(1, "Name", "Date", "Stamp", "Custom", "Days", "Time", "Text"))}
	for i, serial := range []float64{46037, 46037.604166666664, 45000.5} {
		n := i + 2
		v := serial - offset
		sh.Cells = append(sh.Cells,
			cellSpec{Ref: fmt.Sprintf("A%d", n), Value: fmt.Sprintf("row %d", n)},
			cellSpec{Ref: fmt.Sprintf("B%d", n), Value: v, Style: date},
			cellSpec{Ref: fmt.Sprintf("C%d", n), Value: v, Style: stamp},
			cellSpec{Ref: fmt.Sprintf("D%d", n), Value: v, Style: custom},
			cellSpec{Ref: fmt.Sprintf("E%d", n), Value: 5, Style: days},
			cellSpec{Ref: fmt.Sprintf("F%d", n), Value: serial - float64(int(serial)), Style: clock},
			cellSpec{Ref: fmt.Sprintf("G%d", n), Value: "2026-01-15"},
		)
	}
	buildWorkbook(t, path, date1904, nil, sh)
}

// writeTrailing has formatted-but-empty cells and rows, which Excel
// writes as <c s=".."/> elements, and one row with a value past the
// header.
func writeTrailing(t *testing.T, path string) {
	grey := &excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEEEEE"}}}
	sh := sheetSpec{Name: "Trailing", Cells: cells(
		row(1, "Name", "Phone", "Email"),
		row(2, "Ada", int64(15551234567)),
		row(4, "Bob", nil, "bob@example.com"),
		row(5, "Cy", "555", "cy@example.com", nil, "stray"),
	)}
	for _, ref := range []string{"D1", "E2", "F2", "A3", "B3", "C3", "D4", "A8", "C9", "H20"} {
		sh.Cells = append(sh.Cells, cellSpec{Ref: ref, Style: grey})
	}
	buildWorkbook(t, path, false, nil, sh)
}

func writeTitleHeader(t *testing.T, path string) {
	bold := &excelize.Style{Font: &excelize.Font{Bold: true}}
	sh := sheetSpec{Name: "Export", Cells: cells(
		[]cellSpec{{Ref: "A1", Value: "Contacts export, 15 Jan 2026", Style: bold}},
		row(3, "\ufeffName ", " Phone", "Email"),
		row(4, "Ada", int64(15551234567), "ada@example.com"),
		row(5, "Bob", "0044 7911 123456", nil),
	)}
	buildWorkbook(t, path, false, nil, sh)
}

func writeEncrypted(t *testing.T, path string) {
	f := excelize.NewFile()
	defer f.Close()
	must(t, f.SetCellValue("Sheet1", "A1", "Name"))
	must(t, f.SaveAs(path, excelize.Options{Password: "secret"}))
	must(t, os.Chmod(path, 0o644))
}
