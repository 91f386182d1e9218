package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/record"
)

// cellSpec writes one cell of a generated workbook; a nil Value leaves
// the cell empty (useful with a style, which makes an empty <c> element).
type cellSpec struct {
	Ref   string
	Value any
	Style *excelize.Style
}

// sheetSpec is one sheet of a generated workbook.
type sheetSpec struct {
	Name   string
	Hidden bool
	Cells  []cellSpec
}

// buildWorkbook writes sheets with excelize to path, then applies
// patches (old -> new text) to the first worksheet's XML, for the cell
// encodings excelize does not write itself (exponent numbers, formulas
// with cached values).
func buildWorkbook(tb testing.TB, path string, date1904 bool, patches map[string]string, sheets ...sheetSpec) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			must(tb, f.SetSheetName("Sheet1", sh.Name))
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			tb.Fatal(err)
		}
		for _, c := range sh.Cells {
			if c.Style != nil {
				id, err := f.NewStyle(c.Style)
				must(tb, err)
				must(tb, f.SetCellStyle(sh.Name, c.Ref, c.Ref, id))
			}
			if c.Value != nil {
				must(tb, f.SetCellValue(sh.Name, c.Ref, c.Value))
			}
		}
	}
	// excelize refuses to hide the selected sheet, so select first.
	for i, sh := range sheets {
		if !sh.Hidden {
			f.SetActiveSheet(i)
			break
		}
	}
	for _, sh := range sheets {
		if sh.Hidden {
			must(tb, f.SetSheetVisible(sh.Name, false))
		}
	}
	if date1904 {
		must(tb, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}))
	}
	must(tb, f.SaveAs(path))
	must(tb, os.Chmod(path, 0o644))
	if len(patches) > 0 {
		patchPart(tb, path, "xl/worksheets/sheet1.xml", patches)
	}
}

// patchPart rewrites one part of a zip file, replacing each old string
// (which must occur) with its new one.
func patchPart(tb testing.TB, path, part string, patches map[string]string) {
	tb.Helper()
	files := readZip(tb, path)
	text := string(files[part])
	olds := make([]string, 0, len(patches))
	for old := range patches {
		olds = append(olds, old)
	}
	sort.Strings(olds)
	for _, old := range olds {
		if !strings.Contains(text, old) {
			tb.Fatalf("patch %s: %q not found in\n%s", part, old, text)
		}
		text = strings.ReplaceAll(text, old, patches[old])
	}
	files[part] = []byte(text)
	must(tb, os.WriteFile(path, zipBytes(tb, files), 0o644))
}

func readZip(tb testing.TB, path string) map[string][]byte {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	must(tb, err)
	defer zr.Close()
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		must(tb, err)
		b, err := io.ReadAll(rc)
		must(tb, err)
		_ = rc.Close()
		files[zf.Name] = b
	}
	return files
}

// zipBytes packs files (in name order, stored uncompressed so fuzzing
// mutates the XML rather than the deflate stream).
func zipBytes(tb testing.TB, files map[string][]byte) []byte {
	tb.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		must(tb, err)
		_, err = w.Write(files[n])
		must(tb, err)
	}
	must(tb, zw.Close())
	return buf.Bytes()
}

// miniWorkbook is the smallest workbook this reader accepts: one sheet
// with the given sheetData rows, an optional shared-string table and
// optional cellXfs/numFmts, hand-written so tests control every byte.
func miniWorkbook(tb testing.TB, sheetData, sst, styles string) []byte {
	tb.Helper()
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	files := map[string][]byte{
		"xl/workbook.xml": []byte(`<workbook ` + ns + `><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`),
		"xl/_rels/workbook.xml.rels": []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/>` +
			`<Relationship Id="rId3" Type="` + rel + `styles" Target="styles.xml"/></Relationships>`),
		"xl/worksheets/sheet1.xml": []byte(`<worksheet ` + ns + `><sheetData>` + sheetData + `</sheetData></worksheet>`),
	}
	if sst != "" {
		files["xl/sharedStrings.xml"] = []byte(`<sst ` + ns + `>` + sst + `</sst>`)
	}
	if styles != "" {
		files["xl/styles.xml"] = []byte(`<styleSheet ` + ns + `>` + styles + `</styleSheet>`)
	}
	return zipBytes(tb, files)
}

// openBytes opens an in-memory workbook.
func openBytes(b []byte, opts Options) (*Reader, error) {
	return openReaderAt("mem.xlsx", bytes.NewReader(b), int64(len(b)), opts)
}

// readRows reads everything, collecting rows and row errors.
func readRows(tb testing.TB, r record.Reader) ([]record.Row, []*record.RowError) {
	tb.Helper()
	var rows []record.Row
	var rowErrs []*record.RowError
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows, rowErrs
		}
		if re, ok := record.AsRowError(err); ok {
			rowErrs = append(rowErrs, re)
			continue
		}
		if err != nil {
			tb.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
	}
}

func writeFile(tb testing.TB, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	must(tb, os.WriteFile(p, b, 0o600))
	return p
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
