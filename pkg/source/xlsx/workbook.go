package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// Limits on what is held in memory while reading metadata. A workbook
// beyond them is refused rather than allowed to exhaust memory.
const (
	maxSheets        = 4096    // Excel's own practical limit is far lower
	maxStyles        = 1 << 17 // Excel allows 64,000 cell formats
	maxSharedStrings = 1 << 30 // bytes of shared-string text kept in memory
	maxColumn        = 16384   // XFD, Excel's last column
)

var (
	oleMagic       = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	encryptionInfo = utf16le("EncryptionInfo")
)

// sniff recognises the files people mistake for XLSX before the zip
// reader gives a less helpful answer. An OLE compound file is either a
// password-protected OOXML workbook (which has an EncryptionInfo stream)
// or a legacy .xls.
func sniff(ra io.ReaderAt, size int64) error {
	if size == 0 {
		return fmt.Errorf("%w file", ErrEmpty)
	}
	head := make([]byte, 8)
	if n, _ := ra.ReadAt(head, 0); n < 4 {
		return ErrNotWorkbook
	}
	if bytes.Equal(head, oleMagic) {
		if contains(io.NewSectionReader(ra, 0, size), encryptionInfo) {
			return ErrPasswordProtected
		}
		return ErrLegacyXLS
	}
	if !bytes.HasPrefix(head, []byte("PK")) {
		return ErrNotWorkbook
	}
	return nil
}

// contains reports whether needle occurs in r, reading it in chunks.
func contains(r io.Reader, needle []byte) bool {
	buf := make([]byte, 64<<10)
	keep := 0
	for {
		n, err := r.Read(buf[keep:])
		if bytes.Contains(buf[:keep+n], needle) {
			return true
		}
		if err != nil {
			return false
		}
		if keep+n >= len(needle) {
			keep = copy(buf, buf[keep+n-len(needle)+1:keep+n])
		} else {
			keep += n
		}
	}
}

func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		b = append(b, c, 0)
	}
	return b
}

// parts finds zip entries by name, ignoring case and backslashes the way
// Excel does.
type parts map[string]*zip.File

func indexParts(z *zip.Reader) parts {
	p := make(parts, len(z.File))
	for _, f := range z.File {
		k := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))
		if _, dup := p[k]; !dup {
			p[k] = f
		}
	}
	return p
}

func (p parts) find(name string) *zip.File {
	return p[strings.ToLower(strings.TrimPrefix(name, "/"))]
}

// sheet is one entry of the workbook's sheet list.
type sheet struct {
	name, relID, state string
	path               string // zip part of the worksheet; "" for chart sheets
}

// workbook is the metadata needed to stream one sheet.
type workbook struct {
	parts      parts
	sheets     []sheet
	date1904   bool
	stylesPath string
	sstPath    string
}

func loadWorkbook(z *zip.Reader) (*workbook, error) {
	wb := &workbook{parts: indexParts(z)}
	wbPath := wb.officeDocument()
	part := wb.parts.find(wbPath)
	if part == nil {
		return nil, &kindError{kind: ErrNotWorkbook,
			msg: fmt.Sprintf("a zip archive but not an XLSX workbook (it has no %s)", wbPath)}
	}
	if err := wb.readWorkbookXML(part); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, wbPath, err)
	}
	if len(wb.sheets) == 0 {
		return nil, fmt.Errorf("%w workbook: it has no sheets", ErrEmpty)
	}
	relsPath := path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels")
	rels, err := readRels(wb.parts.find(relsPath), path.Dir(wbPath))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, relsPath, err)
	}
	for i := range wb.sheets {
		if rel, ok := rels[wb.sheets[i].relID]; ok && strings.HasSuffix(rel.typ, "/worksheet") {
			wb.sheets[i].path = rel.target
		}
	}
	for _, rel := range rels {
		switch {
		case strings.HasSuffix(rel.typ, "/styles"):
			wb.stylesPath = rel.target
		case strings.HasSuffix(rel.typ, "/sharedStrings"):
			wb.sstPath = rel.target
		}
	}
	return wb, nil
}

// officeDocument returns the workbook part named by the package
// relationships, or the conventional xl/workbook.xml.
func (wb *workbook) officeDocument() string {
	rels, err := readRels(wb.parts.find("_rels/.rels"), "")
	if err == nil {
		for _, rel := range rels {
			if strings.HasSuffix(rel.typ, "/officeDocument") && wb.parts.find(rel.target) != nil {
				return rel.target
			}
		}
	}
	return "xl/workbook.xml"
}

func (wb *workbook) readWorkbookXML(part *zip.File) error {
	return decodePart(part, func(se xml.StartElement) error {
		switch se.Name.Local {
		case "workbookPr":
			wb.date1904 = truthy(attr(se, "date1904"))
		case "sheet":
			if len(wb.sheets) >= maxSheets {
				return errors.New("too many sheets")
			}
			wb.sheets = append(wb.sheets, sheet{
				name:  attr(se, "name"),
				relID: attrNS(se, "id"),
				state: attr(se, "state"),
			})
		}
		return nil
	})
}

type rel struct{ typ, target string }

// readRels reads a relationships part, resolving targets against base. A
// missing part has no relationships.
func readRels(part *zip.File, base string) (map[string]rel, error) {
	rels := map[string]rel{}
	if part == nil {
		return rels, nil
	}
	err := decodePart(part, func(se xml.StartElement) error {
		if se.Name.Local != "Relationship" || attr(se, "TargetMode") == "External" {
			return nil
		}
		target := attr(se, "Target")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(base, target)
		}
		rels[attr(se, "Id")] = rel{typ: attr(se, "Type"), target: target}
		return nil
	})
	return rels, err
}

// choose picks the sheet opts ask for, or the first visible worksheet.
func (wb *workbook) choose(opts Options) (sheet, error) {
	switch {
	case opts.Sheet != "":
		for _, exact := range []bool{true, false} {
			for _, s := range wb.sheets {
				if s.name == opts.Sheet || !exact && strings.EqualFold(s.name, opts.Sheet) {
					return wb.worksheet(s)
				}
			}
		}
		return sheet{}, fmt.Errorf("%w: %q; the workbook has %s", ErrNoSheet, opts.Sheet, wb.list())
	case opts.SheetIndex != 0:
		if opts.SheetIndex > len(wb.sheets) {
			return sheet{}, fmt.Errorf("%w: no sheet %d; the workbook has %s", ErrNoSheet, opts.SheetIndex, wb.list())
		}
		return wb.worksheet(wb.sheets[opts.SheetIndex-1])
	}
	for _, s := range wb.sheets {
		if s.state == "" || s.state == "visible" {
			if s.path != "" {
				return s, nil
			}
		}
	}
	return sheet{}, fmt.Errorf("%w: no visible worksheet; the workbook has %s", ErrNoSheet, wb.list())
}

func (wb *workbook) worksheet(s sheet) (sheet, error) {
	if s.path == "" {
		return sheet{}, fmt.Errorf("%w: %q is not a worksheet (a chart sheet?)", ErrNoSheet, s.name)
	}
	return s, nil
}

// list describes the sheets for an error message: "Contacts", "Old" (hidden).
func (wb *workbook) list() string {
	var b strings.Builder
	for i, s := range wb.sheets {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(s.name))
		if s.state != "" && s.state != "visible" {
			fmt.Fprintf(&b, " (%s)", s.state)
		}
	}
	return b.String()
}

// decodePart streams the start elements of a small XML part into fn.
func decodePart(part *zip.File, fn func(xml.StartElement) error) error {
	return decodeTokens(part, func(tok xml.Token) error {
		if se, ok := tok.(xml.StartElement); ok {
			return fn(se)
		}
		return nil
	})
}

// decodeTokens streams the tokens of an XML part into fn.
func decodeTokens(part *zip.File, fn func(xml.Token) error) error {
	rc, err := part.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

// attr returns the value of the unprefixed attribute called name.
func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// attrNS returns the value of a prefixed attribute (r:id) by local name.
func attrNS(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name && a.Name.Space != "" {
			return a.Value
		}
	}
	return ""
}

func truthy(v string) bool { return v == "1" || v == "true" }

// kindError is an error of a kind tested with errors.Is, worded for the
// case at hand.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }
