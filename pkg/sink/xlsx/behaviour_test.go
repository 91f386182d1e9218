package xlsx_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/sink"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
	sinkxlsx "github.com/alexsync/alexsync/pkg/sink/xlsx"
)

// Every formula-injection string is an inline string cell with no
// formula, and the E.164 phone is stored untouched.
func TestFormulaInjectionStaysText(t *testing.T) {
	path := writeSample(t)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, s := range sinktest.Injections {
		t.Run(strings.TrimSpace(s), func(t *testing.T) {
			row := 5 + i                              // header, call_a, call_b, call_c, then the injection rows
			for _, col := range []int{4, 8, 14, 13} { // status, sentiment, summary, phone
				ref, _ := excelize.CoordinatesToCellName(col, row)
				want, wantType := s, excelize.CellTypeInlineString
				if col == 13 {
					want = sinktest.E164
				}
				got, _ := f.GetCellValue("Calls", ref)
				typ, _ := f.GetCellType("Calls", ref)
				formula, _ := f.GetCellFormula("Calls", ref)
				if got != want || typ != wantType || formula != "" {
					t.Errorf("%s: value %q type %v formula %q, want %q as an inline string", ref, got, typ, formula, want)
				}
			}
		})
	}
}

func TestSheetName(t *testing.T) {
	tests := []struct {
		name  string
		table string
		want  string
	}{
		{"calls", sink.Calls.Name, "Calls"},
		{"transcript", sink.TranscriptLines.Name, "Transcript"},
		{"contacts", sink.Contacts.Name, "Contacts"},
		{"other", "rejects", "rejects"},
		{"long", "a_table_name_longer_than_thirty_one_chars", "a_table_name_longer_than_thirty"},
		{"invalid characters", "a/b:c", "a_b_c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sinkxlsx.SheetName(sink.Table{Name: tc.table}); got != tc.want {
				t.Errorf("SheetName(%q) = %q, want %q", tc.table, got, tc.want)
			}
		})
	}
}

func run(t *testing.T, path string, batches ...sinktest.Batch) error {
	t.Helper()
	w, err := sinkxlsx.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := w.Replace(b.Table, b.Rows); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

func callsBatch(version int, ids ...int) sinktest.Batch {
	b := sinktest.Batch{Table: sink.Calls}
	for _, i := range ids {
		b.Rows = append(b.Rows, sinktest.Call(i, version))
	}
	return b
}

// saveWorkbook writes a workbook whose sheet has the given rows.
func saveWorkbook(t *testing.T, path, sheet string, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		ref, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, ref, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func TestExistingWorkbookRefused(t *testing.T) {
	tests := []struct {
		name    string
		sheet   string
		rows    [][]any
		wantErr string
	}{
		{"other header", "Calls", [][]any{{"id", "started"}, {"call_1", "x"}}, "existing header"},
		{"unknown sheet", "Notes", [][]any{{"anything"}}, `sheet "Notes" holds no table`},
		{"text in a number column", "Calls", [][]any{anyRow(sinktest.Header(sink.Calls)), {"call_9", nil, nil, "s", "d", "ninety"}}, "is not a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "calls.xlsx")
			saveWorkbook(t, path, tc.sheet, tc.rows)
			before, _ := os.ReadFile(path)
			err := run(t, path, callsBatch(1, 1))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
			}
			var he *sinkxlsx.HeaderError
			if tc.name == "other header" && !errors.As(err, &he) {
				t.Errorf("error %T, want a *HeaderError", err)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Error("workbook changed by a failed Close")
			}
			assertNoTemps(t, filepath.Dir(path))
		})
	}
}

func anyRow(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func TestFileMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "calls.xlsx")
	if err := run(t, path, callsBatch(1, 1)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		path string
		mode os.FileMode
	}{
		{"workbook", path, 0o600},
		{"created directory", dir, 0o700 | os.ModeDir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fi, err := os.Stat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != tc.mode {
				t.Errorf("mode %v, want %v", fi.Mode(), tc.mode)
			}
		})
	}
	assertNoTemps(t, dir)
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.Contains(e.Name(), "excelize") {
			t.Errorf("leftover file %s", e.Name())
		}
	}
}
