package rejects_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/sink/rejects"
	xlsxsource "github.com/alexsync/alexsync/pkg/source/xlsx"
)

var _ rejects.Writer = (*rejects.XLSXWriter)(nil)

// readBackXLSX reads a rejects file with the XLSX source; rows with extra
// values come back as field_count row errors, kept with their values.
func readBackXLSX(t *testing.T, path string) ([]string, []record.Row) {
	t.Helper()
	r, err := xlsxsource.Open(path, xlsxsource.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []record.Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Header(), rows
		}
		if re, ok := record.AsRowError(err); ok {
			row = record.Row{Line: re.Line, Values: re.Values}
		} else if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
}

type rejected struct {
	values        []string
	line          int
	code, message string
}

func TestXLSXRoundTrip(t *testing.T) {
	header := []string{"Record ID", "Name", "Phone", "Zip", "Notes", "_error_code"}
	in := []rejected{
		{[]string{"1001", "José Núñez", "4791234567", "0042", "12345678901234567", "old"}, 2, "invalid_number", "too short"},
		{[]string{"1002", "Zoë", "+44 7911 123456", "-0", "line one\nline two", ""}, 3, "invalid_number", "bad"},
		{[]string{"1003", "=1+1", "15551234567", "1e5", "1.50", ""}, 5, "duplicate", "same phone as line 2"},
		{[]string{"short"}, 7, "field_count", "short row"},
		{[]string{"1004", "x", "1", "2", "3", "", "extra", "7"}, 9, "field_count", "row has 8 values"},
		{[]string{"0.5", "_x0041_ literal", "", "", "", ""}, 10, "x", "escape"},
	}
	want := [][]string{
		{"1001", "José Núñez", "4791234567", "0042", "12345678901234567", "2", "invalid_number", "too short"},
		{"1002", "Zoë", "+44 7911 123456", "-0", "line one\nline two", "3", "invalid_number", "bad"},
		{"1003", "=1+1", "15551234567", "1e5", "1.50", "5", "duplicate", "same phone as line 2"},
		{"short", "", "", "", "", "7", "field_count", "short row"},
		{"1004", "x", "1", "2", "3", "9", "field_count", "row has 8 values", "extra", "7"},
		{"0.5", "_x0041_ literal", "", "", "", "10", "x", "escape"},
	}
	path := filepath.Join(t.TempDir(), "contacts.rejects.xlsx")
	w, err := rejects.NewXLSX(path, header, []string{"phone"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range in {
		if err := w.Write(r.values, r.line, r.code, r.message); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	gotHeader, rows := readBackXLSX(t, path)
	wantHeader := []string{"Record ID", "Name", "Phone", "Zip", "Notes", "_row", "_error_code", "_error_message"}
	if !slices.Equal(gotHeader, wantHeader) {
		t.Fatalf("header = %q, want %q", gotHeader, wantHeader)
	}
	if len(rows) != len(want) {
		t.Fatalf("read %d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if !slices.Equal(rows[i].Values, want[i]) {
			t.Errorf("row %d = %q, want %q", i, rows[i].Values, want[i])
		}
	}
	t.Run("cell types", func(t *testing.T) { checkCellTypes(t, path) })
	t.Run("mode and no temp files", func(t *testing.T) { checkFiles(t, path) })
}

// checkCellTypes opens the (small) file with excelize to see how Excel
// will type the cells.
func checkCellTypes(t *testing.T, path string) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		cell string
		want excelize.CellType
	}{
		{"C2", excelize.CellTypeInlineString}, // a phone column, digits only
		{"C4", excelize.CellTypeInlineString},
		{"D2", excelize.CellTypeInlineString}, // leading zero
		{"E2", excelize.CellTypeInlineString}, // 17 digits
		{"A2", excelize.CellTypeUnset},        // a plain number (number cells have no t attribute)
		{"F2", excelize.CellTypeUnset},        // _row
		{"G2", excelize.CellTypeInlineString}, // _error_code
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := f.GetCellType("Rejects", tt.cell)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("type = %v, want %v", got, tt.want)
			}
		})
	}
	panes, err := f.GetPanes("Rejects")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want the header frozen", panes, err)
	}
	style, _ := f.GetCellStyle("Rejects", "A1")
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style %d is not bold", style)
	}
}

func checkFiles(t *testing.T, path string) {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the rejects file", len(entries))
	}
}

func TestXLSXNoRejects(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rejects.xlsx")
	w, err := rejects.NewXLSX(path, []string{"Name", "Phone"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %d files, want none", len(entries))
	}
	if err := w.Write([]string{"a"}, 2, "c", "m"); !errors.Is(err, rejects.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestXLSXReplacesAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rejects.xlsx")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := rejects.NewXLSX(path, []string{"Name"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]string{"Ada"}, 2, "c", "m"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Error("the file changed before Close")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, rows := readBackXLSX(t, path); len(rows) != 1 || rows[0].Values[0] != "Ada" {
		t.Errorf("rows = %v", rows)
	}
}

func TestXLSXBadDirectory(t *testing.T) {
	_, err := rejects.NewXLSX(filepath.Join(t.TempDir(), "missing", "r.xlsx"), []string{"a"}, nil)
	if err == nil {
		t.Fatal("NewXLSX in a missing directory succeeded")
	}
}
