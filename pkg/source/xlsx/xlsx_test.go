package xlsx

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/source/sourcetest"
)

// tableSheet lays header and rows out as cells; with numbers, values that
// Excel would store as numbers (plain integers without a leading zero)
// are written as number cells, the way a CRM export usually has them.
func tableSheet(header []string, rows [][]string, numbers bool) sheetSpec {
	sh := sheetSpec{Name: "Contacts"}
	for i, h := range header {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		sh.Cells = append(sh.Cells, cellSpec{Ref: ref, Value: h})
	}
	for r, row := range rows {
		for c, v := range row {
			if v == "" {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, r+2)
			var val any = v
			if n, err := strconv.ParseInt(v, 10, 64); numbers && err == nil && strconv.FormatInt(n, 10) == v {
				val = n
			}
			sh.Cells = append(sh.Cells, cellSpec{Ref: ref, Value: val})
		}
	}
	return sh
}

func TestConformance(t *testing.T) {
	for _, numbers := range []bool{true, false} {
		t.Run(fmt.Sprintf("numbers=%v", numbers), func(t *testing.T) {
			sourcetest.Run(t, func(t *testing.T, header []string, rows [][]string) record.Reader {
				path := filepath.Join(t.TempDir(), "contacts.xlsx")
				buildWorkbook(t, path, false, nil, tableSheet(header, rows, numbers))
				r, err := Open(path, Options{})
				if err != nil {
					t.Fatal(err)
				}
				return r
			})
		})
	}
}

func TestCells(t *testing.T) {
	const dateStyles = `<numFmts><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd hh:mm"/>` +
		`<numFmt numFmtId="165" formatCode="0 &quot;days&quot;"/></numFmts>` +
		`<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="20"/></cellXfs>`
	tests := []struct {
		name   string
		cells  string // the <c> elements of row 2 (row 1 is the header "H")
		sst    string
		styles string
		want   string
	}{
		{"integer", `<c r="A2"><v>15551234567</v></c>`, "", "", "15551234567"},
		{"exponent", `<c r="A2"><v>1.5551234567E+10</v></c>`, "", "", "15551234567"},
		{"trailing .0", `<c r="A2"><v>15551234567.0</v></c>`, "", "", "15551234567"},
		{"beyond 2^53 in full", `<c r="A2"><v>123456789012345678901</v></c>`, "", "", "123456789012345678901"},
		{"beyond 2^53 as exponent", `<c r="A2"><v>1.2345678901234567E+19</v></c>`, "", "", "12345678901234567000"},
		{"decimal", `<c r="A2"><v>0.1</v></c>`, "", "", "0.1"},
		{"negative decimal", `<c r="A2"><v>-42.75</v></c>`, "", "", "-42.75"},
		{"tiny", `<c r="A2"><v>1E-7</v></c>`, "", "", "0.0000001"},
		{"not a number", `<c r="A2"><v>abc</v></c>`, "", "", "abc"},
		{"shared string keeps zeros", `<c r="A2" t="s"><v>1</v></c>`, `<si><t>H</t></si><si><t>0042</t></si>`, "", "0042"},
		{"rich text without phonetics", `<c r="A2" t="s"><v>1</v></c>`,
			`<si><t>H</t></si><si><r><t>Jo</t></r><r><t xml:space="preserve">sé </t></r><rPh><t>ホセ</t></rPh></si>`, "", "José "},
		{"escaped characters", `<c r="A2" t="inlineStr"><is><t>a_x000D_b_x005F_x0041_c_xD83D__xDE00_</t></is></c>`, "", "", "a\rb_x0041_c😀"},
		{"inline string", `<c r="A2" t="inlineStr"><is><t>1.5E+10</t></is></c>`, "", "", "1.5E+10"},
		{"formula string result", `<c r="A2" t="str"><f>B2&amp;"!"</f><v>Ada!</v></c>`, "", "", "Ada!"},
		{"formula number result", `<c r="A2"><f>B2*2</f><v>1.5551234567E+10</v></c>`, "", "", "15551234567"},
		{"formula without cached value is blank", `<c r="A2"><f>B2*2</f></c>`, "", "", ""},
		{"boolean", `<c r="A2" t="b"><v>1</v></c>`, "", "", "TRUE"},
		{"error", `<c r="A2" t="e"><v>#N/A</v></c>`, "", "", "#N/A"},
		{"ISO date cell", `<c r="A2" t="d"><v>2026-01-15T14:30:00Z</v></c>`, "", "", "2026-01-15T14:30:00Z"},
		{"ISO midnight", `<c r="A2" t="d"><v>2026-01-15T00:00:00</v></c>`, "", "", "2026-01-15"},
		{"built-in date", `<c r="A2" s="1"><v>46037</v></c>`, "", dateStyles, "2026-01-15"},
		{"custom date time", `<c r="A2" s="2"><v>46037.604166666664</v></c>`, "", dateStyles, "2026-01-15T14:30:00Z"},
		{"quoted d is not a date", `<c r="A2" s="3"><v>5</v></c>`, "", dateStyles, "5"},
		{"time of day", `<c r="A2" s="4"><v>0.5</v></c>`, "", dateStyles, "12:00:00"},
		{"unknown style", `<c r="A2" s="99"><v>46037</v></c>`, "", dateStyles, "46037"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := `<row r="1"><c r="A1" t="inlineStr"><is><t>H</t></is></c></row>`
			b := miniWorkbook(t, header+`<row r="2">`+tt.cells+`</row>`, tt.sst, tt.styles)
			r, err := openBytes(b, Options{})
			must(t, err)
			defer r.Close()
			rows, rowErrs := readRows(t, r)
			var got string
			if len(rows) == 1 {
				got = rows[0].Values[0]
			}
			if len(rowErrs) != 0 || len(rows) > 1 || got != tt.want {
				t.Errorf("got %q (rows %v, row errors %v), want %q", got, rows, rowErrs, tt.want)
			}
		})
	}
}

func TestSerialDate(t *testing.T) {
	tests := []struct {
		raw      string
		date1904 bool
		want     string
	}{
		{"1", false, "1900-01-01"},
		{"59", false, "1900-02-28"},
		{"60", false, "60"},
		{"61", false, "1900-03-01"},
		{"46037", false, "2026-01-15"},
		{"46037.99999999", false, "2026-01-16"},
		{"44575", true, "2026-01-15"},
		{"44575.25", true, "2026-01-15T06:00:00Z"},
		{"1", true, "1904-01-02"},
		{"-1", false, "-1"},
		{"2958466", false, "2958466"},
		{"0.75", false, "18:00:00"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/1904=%v", tt.raw, tt.date1904), func(t *testing.T) {
			if got := serialDate(tt.raw, tt.date1904); got != tt.want {
				t.Errorf("serialDate(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestIsDateFormat(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"General", false},
		{"0.00", false},
		{"#,##0", false},
		{"@", false},
		{`0 "days"`, false},
		{`[Red]0.00`, false},
		{`_-* #,##0.00_-;\-* #,##0.00_-`, false},
		{`0.00E+00`, false},
		{`\d0`, false},
		{"dd/mm/yyyy", true},
		{"yyyy-mm-dd hh:mm:ss", true},
		{"[$-409]mmmm d, yyyy", true},
		{"h:mm AM/PM", true},
		{"[h]:mm:ss", true},
		{`"Date: "yyyy`, true},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := isDateFormat(tt.code); got != tt.want {
				t.Errorf("isDateFormat(%q) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestRowShapes(t *testing.T) {
	const header = `<row r="1"><c r="A1" t="inlineStr"><is><t> A </t></is></c>` +
		`<c r="B1" t="inlineStr"><is><t>B</t></is></c><c r="C1" s="0"/></row>`
	tests := []struct {
		name     string
		rows     string
		want     [][]string
		wantLine []int
		wantErrs []string
	}{
		{"short row padded", `<row r="2"><c r="A2"><v>1</v></c></row>`, [][]string{{"1", ""}}, []int{2}, nil},
		{"empty extras ignored", `<row r="3"><c r="A3"><v>1</v></c><c r="D3" t="inlineStr"><is><t></t></is></c></row>`,
			[][]string{{"1", ""}}, []int{3}, nil},
		{"blank rows skipped", `<row r="2"><c r="A2" s="1"/></row><row r="7" spans="1:3"></row><row r="9"><c r="B9"><v>2</v></c></row>`,
			[][]string{{"", "2"}}, []int{9}, nil},
		{"extra value is a row error", `<row r="4"><c r="A4"><v>1</v></c><c r="E4"><v>9</v></c></row><row r="5"><c r="A5"><v>2</v></c></row>`,
			[][]string{{"2", ""}}, []int{5}, []string{`field_count line 4 ["1" "" "" "" "9"]`}},
		{"rows and cells without references", `<row><c><v>1</v></c><c><v>2</v></c></row><row><c/><c><v>3</v></c></row>`,
			[][]string{{"1", "2"}, {"", "3"}}, []int{2, 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openBytes(miniWorkbook(t, header+tt.rows, "", ""), Options{})
			must(t, err)
			defer r.Close()
			if got := r.Header(); !slices.Equal(got, []string{"A", "B"}) {
				t.Fatalf("Header() = %q", got)
			}
			rows, rowErrs := readRows(t, r)
			var vals [][]string
			var lines []int
			for _, row := range rows {
				vals = append(vals, row.Values)
				lines = append(lines, row.Line)
			}
			var errs []string
			for _, re := range rowErrs {
				errs = append(errs, fmt.Sprintf("%s line %d %q", re.Code, re.Line, re.Values))
			}
			if fmt.Sprint(vals) != fmt.Sprint(tt.want) || !slices.Equal(lines, tt.wantLine) || !slices.Equal(errs, tt.wantErrs) {
				t.Errorf("got %q lines %v errors %v\nwant %q lines %v errors %v", vals, lines, errs, tt.want, tt.wantLine, tt.wantErrs)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		opts Options
		is   error
		msg  string
	}{
		{"csv", []byte("name,phone\nAda,1\n"), Options{}, ErrNotWorkbook, "contacts.xlsx: not an XLSX workbook (it may be a CSV or an old .xls file)"},
		{"empty file", nil, Options{}, ErrEmpty, "contacts.xlsx: empty file"},
		{"old xls", append(oleMagic, make([]byte, 512)...), Options{}, ErrLegacyXLS, "old .xls"},
		{"encrypted", append(append(oleMagic, make([]byte, 100)...), utf16le("EncryptionInfo")...), Options{},
			ErrPasswordProtected, "contacts.xlsx: password-protected workbooks are not supported; save a copy without a password"},
		{"truncated zip", []byte("PK\x03\x04garbage"), Options{}, ErrNotWorkbook, "not an XLSX workbook"},
		{"negative header row", nil, Options{HeaderRow: -1}, nil, "header row -1"},
		{"sheet and index", nil, Options{Sheet: "S", SheetIndex: 1}, nil, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "contacts.xlsx", tt.data)
			_, err := Open(path, tt.opts)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			msg := strings.ReplaceAll(err.Error(), filepath.Dir(path)+string(filepath.Separator), "")
			if !strings.Contains(msg, tt.msg) || !strings.HasPrefix(msg, "contacts.xlsx: ") {
				t.Errorf("error %q does not name the file and say %q", msg, tt.msg)
			}
		})
	}
}

func TestCloseThenNext(t *testing.T) {
	r, err := openBytes(miniWorkbook(t, `<row r="1"><c t="inlineStr"><is><t>H</t></is></c></row>`, "", ""), Options{})
	must(t, err)
	must(t, r.Close())
	if _, err := r.Next(); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
}
