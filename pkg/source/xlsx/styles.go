package xlsx

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// dateStyles tells, by cell style index (the s attribute of a cell),
// whether the style's number format shows a date or a time.
type dateStyles []bool

func (d dateStyles) isDate(style int) bool {
	return style >= 0 && style < len(d) && d[style]
}

// loadStyles reads the cell formats (cellXfs) of the styles part and
// classifies their number formats. A workbook without a styles part has
// no date cells.
func loadStyles(p parts, stylesPath string) (dateStyles, error) {
	if stylesPath == "" {
		stylesPath = "xl/styles.xml"
	}
	part := p.find(stylesPath)
	if part == nil {
		return nil, nil
	}
	custom := map[int]string{}
	var xfIDs []int
	inCellXfs := false
	err := decodeTokens(part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(t, "numFmtId")); err == nil {
					custom[id] = attr(t, "formatCode")
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if !inCellXfs {
					return nil
				}
				if len(xfIDs) >= maxStyles {
					return errors.New("too many cell styles")
				}
				id, _ := strconv.Atoi(attr(t, "numFmtId"))
				xfIDs = append(xfIDs, id)
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, stylesPath, err)
	}
	d := make(dateStyles, len(xfIDs))
	for i, id := range xfIDs {
		if code, ok := custom[id]; ok {
			d[i] = isDateFormat(code)
		} else {
			d[i] = isBuiltinDate(id)
		}
	}
	return d, nil
}

// isBuiltinDate reports whether a built-in number format id is a date or
// time: 14-22 and 45-47 everywhere, plus the East Asian date formats
// 27-36 and 50-58 that Excel assigns in those locales.
func isBuiltinDate(id int) bool {
	return id >= 14 && id <= 22 || id >= 45 && id <= 47 ||
		id >= 27 && id <= 36 || id >= 50 && id <= 58
}

// isDateFormat reports whether a custom number format code shows a date
// or time: it has d, m, y, h or s outside quoted text, [brackets] (colours,
// conditions, locales, elapsed-time markers), backslash escapes and the
// _x / *x padding codes. Only the first section is examined, as Excel
// applies it to positive numbers and dates are positive.
func isDateFormat(code string) bool {
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				return false
			}
			i += j + 1
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				return false
			}
			i += j + 1
		case '\\', '_', '*':
			i++
		case ';':
			return false
		case 'd', 'D', 'm', 'M', 'y', 'Y', 'h', 'H', 's', 'S':
			return true
		}
	}
	return false
}
