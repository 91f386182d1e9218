package phone

import (
	"fmt"
	"strings"
)

const (
	// maxDigits bounds the digits kept from a cell: the longest IDD (4)
	// plus a country code (3) plus the longest national number (17).
	maxDigits = 24
	// maxCell bounds the cell length scanned; no phone number, however
	// formatted, comes near it.
	maxCell = 512
	// maxExtDigits bounds an extension's length.
	maxExtDigits = 10
	// numberDigits is how many digits a part of a cell needs before it
	// counts as a phone number of its own when looking for several
	// numbers ("555-1234 / 555-9876"); a German "030/1234567" keeps its
	// area code and number together because "030" is shorter.
	numberDigits = 7
	// maxRepairs is the number of distinct repairs that can apply at once.
	maxRepairs = 8
)

// cleaned is a cell reduced to what libphonenumber needs: digits with an
// optional leading "+", plus what was learned on the way. It lives on the
// stack of one Normalize call.
type cleaned struct {
	digits  [maxDigits]byte
	n       int  // digits stored
	plus    bool // a "+" came before the first digit
	ext     string
	sci     string // the scientific-notation text that was expanded
	repairs [maxRepairs]Reason
	nrep    int
	reject  Reason // set when the cell is rejected before parsing
	why     string // the rejection's message
}

func (c *cleaned) repair(r Reason) {
	for _, have := range c.repairs[:c.nrep] {
		if have == r {
			return
		}
	}
	if c.nrep < maxRepairs {
		c.repairs[c.nrep] = r
		c.nrep++
	}
}

func (c *cleaned) rejectf(r Reason, format string, args ...any) {
	c.reject, c.why = r, fmt.Sprintf(format, args...)
}

func (c *cleaned) addDigit(d byte) {
	if c.n < maxDigits {
		c.digits[c.n] = '0' + d
	}
	c.n++
}

// number returns the digits, with "+" when the cell had one, as the
// string libphonenumber parses.
func (c *cleaned) number() string {
	var b [maxDigits + 1]byte
	i := 0
	if c.plus {
		b[0] = '+'
		i = 1
	}
	i += copy(b[i:], c.digits[:c.n])
	return string(b[:i])
}

// clean runs every cell-level step in order. On return either c.reject is
// set or c holds at least three digits to parse.
func clean(raw string, vanity bool, c *cleaned) {
	if len(raw) > maxCell {
		c.rejectf(TooLong, "the cell holds %d characters, far more than any phone number", len(raw))
		return
	}
	s := trimCell(raw)
	if s == "" {
		c.rejectf(Missing, "no phone number: the cell is empty")
		return
	}
	if s = c.stripTelURI(s); c.reject != "" {
		return
	}
	if c.expandScientific(s) {
		return
	}
	s = c.stripTrailingZeroDecimal(s)
	s = c.splitExtension(s)
	c.scan(raw, s, vanity)
}

// trimCell removes blanks, invisible characters, the spreadsheet text
// marker "'" and the quoting of `"..."` or `="..."` (Excel's way to keep
// leading zeros in a CSV).
func trimCell(s string) string {
	for {
		s = strings.TrimFunc(s, isBlank)
		switch {
		case strings.HasPrefix(s, "'"):
			s = s[1:]
		case len(s) >= 3 && strings.HasPrefix(s, `="`) && strings.HasSuffix(s, `"`):
			s = s[2 : len(s)-1]
		case len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"':
			s = s[1 : len(s)-1]
		default:
			return s
		}
	}
}

// stripTelURI reduces an RFC 3966 URI such as
// "tel:+1-201-555-0123;ext=12" to its number, taking the extension from
// its parameter and prefixing a global phone-context to a local number.
func (c *cleaned) stripTelURI(s string) string {
	if !hasPrefixFold(s, "tel:") {
		return s
	}
	c.repair(RepairedTelURI)
	s = strings.TrimPrefix(strings.TrimSpace(s[len("tel:"):]), "//")
	num, params, _ := strings.Cut(s, ";")
	var context string
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		key, val, _ := strings.Cut(p, "=")
		switch {
		case strings.EqualFold(key, "ext"):
			if !c.setExtension(val) {
				c.rejectf(NotANumber, "the tel: URI %q has an extension that is not 1 to %d digits", s, maxExtDigits)
				return ""
			}
		case strings.EqualFold(key, "phone-context"):
			context = val
		}
	}
	if strings.HasPrefix(context, "+") && !strings.HasPrefix(num, "+") {
		num = context + num
	}
	return num
}

// setExtension records ext when it is 1 to maxExtDigits ASCII digits.
func (c *cleaned) setExtension(ext string) bool {
	if len(ext) == 0 || len(ext) > maxExtDigits {
		return false
	}
	for i := 0; i < len(ext); i++ {
		if ext[i] < '0' || ext[i] > '9' {
			return false
		}
	}
	c.ext = ext
	c.repair(RepairedExtension)
	return true
}

// extLabels are the words that introduce an extension, longest first so
// that "extension" is not read as "x" preceded by letters.
var extLabels = [...]string{"extension", "extn", "ext", "x", "#"}

// splitExtension splits "201-555-0123 ext. 45" into the number and "45".
// Only a trailing run of digits introduced by a label counts, and a
// label glued to a word ("next 12") does not.
func (c *cleaned) splitExtension(s string) string {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) || len(s)-i > maxExtDigits {
		return s
	}
	j := i
	for j > 0 && strings.IndexByte(" .:=", s[j-1]) >= 0 {
		j--
	}
	for _, label := range extLabels {
		if !hasSuffixFold(s[:j], label) {
			continue
		}
		start := j - len(label)
		if start == 0 || isASCIILetter(s[start-1]) {
			return s
		}
		if c.ext == "" && c.setExtension(s[i:]) {
			return s[:start]
		}
		return s
	}
	return s
}
