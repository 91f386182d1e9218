package phone

import (
	"strconv"
	"strings"
)

// maxExponent bounds the exponent of scientific notation worth expanding.
const maxExponent = 30

// expandScientific recognises a number a spreadsheet turned into
// scientific notation ("1.5551234567E+10", "4,47911123456e11") and
// expands it exactly. It reports whether s was such a number; the cell is
// then fully handled, either as digits in c or as a rejection. A mantissa
// shorter than the exponent means the spreadsheet rounded digits away
// ("1.55512E+10"): padding with zeros would invent a number, so the cell
// is rejected instead.
func (c *cleaned) expandScientific(s string) bool {
	body, plus := strings.CutPrefix(s, "+")
	intLen := digitRun(body)
	if intLen == 0 {
		return false
	}
	intPart, rest := body[:intLen], body[intLen:]
	var frac string
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		n := digitRun(rest[1:])
		frac, rest = rest[1:1+n], rest[1+n:]
	}
	if len(rest) < 2 || lower(rest[0]) != 'e' {
		return false
	}
	exp, negative := rest[1:], false
	if exp[0] == '+' || exp[0] == '-' {
		exp, negative = exp[1:], exp[0] == '-'
	}
	if n := digitRun(exp); n == 0 || n != len(exp) {
		return false
	}
	e, err := strconv.Atoi(exp)
	switch {
	case err != nil || e > maxExponent:
		c.rejectf(TooLong, "scientific notation %q is far too large for a phone number", s)
	case negative || e < len(frac):
		c.rejectf(NotANumber, "%q is not a whole number", s)
	case e > len(frac):
		c.rejectf(InvalidNumber, "scientific notation %q has lost %d digits to spreadsheet rounding; re-export the column as text",
			s, e-len(frac))
	default:
		c.sci, c.plus = s, plus
		c.repair(RepairedScientificNotation)
		for _, part := range [2]string{strings.TrimLeft(intPart, "0"), frac} {
			for i := 0; i < len(part); i++ {
				c.addDigit(part[i] - '0')
			}
		}
		c.checkDigits(s)
	}
	return true
}

// stripTrailingZeroDecimal removes the ".0" a spreadsheet float adds to a
// number ("15551234567.0", "15551234567,00").
func (c *cleaned) stripTrailingZeroDecimal(s string) string {
	body := strings.TrimPrefix(s, "+")
	n := digitRun(body)
	if n == 0 || n+2 > len(body) || (body[n] != '.' && body[n] != ',') {
		return s
	}
	if strings.Trim(body[n+1:], "0") != "" {
		return s
	}
	c.repair(RepairedTrailingZeroDecimal)
	return s[:len(s)-len(body)+n]
}
