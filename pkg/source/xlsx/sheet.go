package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// cell is one <c> element as stored: its column, type, style and raw
// value (for inline strings, the text).
type cell struct {
	col   int // 0-based
	typ   string
	style int
	value string
}

// sheetDecoder streams the <row> elements of a worksheet part.
type sheetDecoder struct {
	rc      io.ReadCloser
	d       *xml.Decoder
	lastRow int
	done    bool
}

func openSheet(part *zip.File) (*sheetDecoder, error) {
	rc, err := part.Open()
	if err != nil {
		return nil, err
	}
	return &sheetDecoder{rc: rc, d: xml.NewDecoder(rc)}, nil
}

func (s *sheetDecoder) close() { _ = s.rc.Close() }

// next returns the next row's number (1-based) and its non-empty cells,
// or io.EOF after the last row. Cells keep the order of the file.
func (s *sheetDecoder) next() (int, []cell, error) {
	if s.done {
		return 0, nil, io.EOF
	}
	for {
		tok, err := s.d.RawToken()
		if errors.Is(err, io.EOF) {
			s.done = true
			return 0, nil, io.EOF
		}
		if err != nil {
			return 0, nil, s.malformed(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				return s.row(t)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				s.done = true
				return 0, nil, io.EOF
			}
		}
	}
}

func (s *sheetDecoder) malformed(err error) error {
	return fmt.Errorf("%w: after row %d: %v", ErrMalformed, s.lastRow, err)
}

// row reads one <row> element; rows without an r attribute follow the
// previous one.
func (s *sheetDecoder) row(start xml.StartElement) (int, []cell, error) {
	num := s.lastRow + 1
	if r := attr(start, "r"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil || n < 1 {
			return 0, nil, s.malformed(fmt.Errorf("invalid row number %q", r))
		}
		num = n
	}
	s.lastRow = num
	var cells []cell
	nextCol := 0
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			return 0, nil, s.malformed(unexpectedEOF(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			c, err := s.cell(t, nextCol)
			if err != nil {
				return 0, nil, s.malformed(err)
			}
			nextCol = c.col + 1
			if c.value != "" {
				cells = append(cells, c)
			}
		case xml.EndElement:
			if t.Name.Local == "row" {
				return num, cells, nil
			}
		}
	}
}

// cell reads one <c> element: the cached value in <v> (a formula's
// result, never the formula) or the text of an inline string in <is>.
func (s *sheetDecoder) cell(start xml.StartElement, col int) (cell, error) {
	c := cell{col: col, typ: attr(start, "t")}
	if ref := attr(start, "r"); ref != "" {
		n, err := columnIndex(ref)
		if err != nil {
			return c, err
		}
		c.col = n
	}
	if c.col >= maxColumn {
		return c, errors.New("row has cells beyond column XFD")
	}
	if st := attr(start, "s"); st != "" {
		c.style, _ = strconv.Atoi(st) // a bad style index means "no format"
	}
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			return c, unexpectedEOF(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				if c.value, err = richTextV(s.d); err != nil {
					return c, err
				}
			case "is":
				if c.value, err = richText(s.d, "is"); err != nil {
					return c, err
				}
			}
		case xml.EndElement:
			if t.Name.Local == "c" {
				return c, nil
			}
		}
	}
}

// richTextV reads the character data of a <v> element.
func richTextV(d *xml.Decoder) (string, error) {
	var b []byte
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", unexpectedEOF(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b = append(b, t...)
		case xml.EndElement:
			if t.Name.Local == "v" {
				return string(b), nil
			}
		}
	}
}

// columnIndex returns the 0-based column of a cell reference like "AB12".
func columnIndex(ref string) (int, error) {
	col := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
		if col > maxColumn {
			return 0, fmt.Errorf("cell reference %q is beyond column XFD", ref)
		}
	}
	if col == 0 {
		return 0, fmt.Errorf("invalid cell reference %q", ref)
	}
	return col - 1, nil
}
