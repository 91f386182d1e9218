package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// sharedStrings is the workbook's shared-string table, stored as one
// byte slice and the end offset of each string, so a table of a million
// strings costs its text plus 4 bytes a string.
type sharedStrings struct {
	text []byte
	ends []uint32
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(s.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return string(s.text[start:s.ends[i]]), true
}

// loadSharedStrings reads the shared-string part, if the workbook has
// one.
func loadSharedStrings(p parts, sstPath string) (*sharedStrings, error) {
	s := &sharedStrings{}
	if sstPath == "" {
		sstPath = "xl/sharedStrings.xml"
	}
	part := p.find(sstPath)
	if part == nil {
		return s, nil
	}
	if err := s.read(part); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, sstPath, err)
	}
	return s, nil
}

func (s *sharedStrings) read(part *zip.File) error {
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
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "si" {
			continue
		}
		text, err := richText(d, "si")
		if err != nil {
			return err
		}
		text = unescapeXstring(text)
		if len(s.text)+len(text) > maxSharedStrings {
			return fmt.Errorf("shared strings exceed %d MiB", maxSharedStrings>>20)
		}
		s.text = append(s.text, text...)
		s.ends = append(s.ends, uint32(len(s.text)))
	}
}

// richText reads the text of a string item (<si> or <is>) up to the end
// element called end: the <t> runs concatenated, phonetic guides (<rPh>)
// left out.
func richText(d *xml.Decoder, end string) (string, error) {
	var b strings.Builder
	inT, inPhonetic := 0, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", unexpectedEOF(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inT++
			case "rPh":
				inPhonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case end:
				return b.String(), nil
			case "t":
				inT = max(inT-1, 0)
			case "rPh":
				inPhonetic = max(inPhonetic-1, 0)
			}
		case xml.CharData:
			if inT > 0 && inPhonetic == 0 {
				b.Write(t)
			}
		}
	}
}

// unexpectedEOF reports a part that ends inside an element.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
