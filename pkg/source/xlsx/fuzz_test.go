package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
)

// FuzzXLSX feeds whole files to the reader: it must never panic, and
// every error is a row error or a fatal error naming the source. The
// seeds are the fixtures minimized to the parts the reader uses, stored
// uncompressed, so mutations reach the XML and minimizing stays quick.
func FuzzXLSX(f *testing.F) {
	fixtures, err := filepath.Glob(filepath.Join(fixtureDir, "*.xlsx"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range fixtures {
		f.Add(minimizeFixture(f, p))
	}
	f.Add(append(append(oleMagic, make([]byte, 56)...), utf16le("EncryptionInfo")...))
	f.Add(miniWorkbook(f, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>P</t></is></c></row>`+
		`<row r="2"><c r="A2" s="1"><v>46037.5</v></c><c r="B2"><v>1.5551234567E+10</v></c><c r="D2" t="b"><v>1</v></c></row>`,
		`<si><t>Name</t></si>`, `<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, func() (*Reader, error) { return openBytes(data, Options{}) })
	})
}

var keepStyles = regexp.MustCompile(`(?s)<numFmts.*?</numFmts>|<cellXfs.*?</cellXfs>`)

// minimizeFixture returns a fixture with only the parts the reader reads,
// the styles cut down to number formats and cell formats. Files that are
// not zips are returned as they are, cut to 1 KiB.
func minimizeFixture(tb testing.TB, path string) []byte {
	b, err := os.ReadFile(path)
	must(tb, err)
	if !bytes.HasPrefix(b, []byte("PK")) {
		return b[:min(len(b), 1024)]
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return b[:min(len(b), 1024)]
	}
	files := map[string][]byte{}
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/") || strings.HasPrefix(zf.Name, "xl/theme/") {
			continue
		}
		rc, err := zf.Open()
		must(tb, err)
		data, err := io.ReadAll(rc)
		must(tb, err)
		_ = rc.Close()
		if zf.Name == "xl/styles.xml" {
			data = []byte("<styleSheet>" + strings.Join(keepStyles.FindAllString(string(data), -1), "") + "</styleSheet>")
		}
		files[zf.Name] = data
	}
	return zipBytes(tb, files)
}

// FuzzSheetXML fuzzes the worksheet decoder alone, inside an otherwise
// valid workbook, which reaches it far more often than whole-file input.
func FuzzSheetXML(f *testing.F) {
	for _, seed := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>P</t></is></c></row><row r="3"><c r="A3" s="1"><v>46037.25</v></c><c r="C3"><v>7</v></c></row>`,
		`<row><c><v>1</v></c></row><row><c t="str"><f>A1</f><v>x</v></c><c t="e"><v>#N/A</v></c></row>`,
		`<row r="1"><c r="A1" t="d"><v>2026-01-15T10:00:00Z</v></c></row><row r="2"><c r="XFD2"><v>1</v></c></row>`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sheetData string) {
		b := miniWorkbook(t, sheetData, `<si><t>Name</t></si><si><r><t>a</t></r><rPh><t>b</t></rPh></si>`,
			`<numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs>`)
		checkReader(t, func() (*Reader, error) { return openBytes(b, Options{}) })
	})
}

// checkReader opens and drains a reader, checking the Reader contract.
func checkReader(t *testing.T, open func() (*Reader, error)) {
	r, err := open()
	if err != nil {
		if !strings.HasPrefix(err.Error(), "mem.xlsx: ") {
			t.Fatalf("Open error does not name the source: %v", err)
		}
		return
	}
	defer r.Close()
	width, last := len(r.Header()), 0
	for range 1 << 16 {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if re, ok := record.AsRowError(err); ok {
			if re.Line <= last {
				t.Fatalf("row error line %d after line %d", re.Line, last)
			}
			last = re.Line
			continue
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "mem.xlsx: ") {
				t.Fatalf("Next error does not name the source: %v", err)
			}
			if _, again := r.Next(); again == nil {
				t.Fatal("a fatal error is not sticky")
			}
			break
		}
		if len(row.Values) != width {
			t.Fatalf("row has %d values, header %d", len(row.Values), width)
		}
		last = row.Line
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
