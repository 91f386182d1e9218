package phone

import "unicode"

// kind classifies one rune of a cell for the scanner.
type kind uint8

const (
	kindJunk   kind = iota // a symbol no phone number contains: rejects the cell
	kindDigit              // any Unicode decimal digit
	kindPlus               // "+" or its fullwidth form
	kindSep                // spacing and punctuation people put inside numbers
	kindSplit              // a separator that may also stand between two numbers
	kindLetter             // any letter
)

// asciiKinds is the scanner's fast path: most cells are pure ASCII.
var asciiKinds = func() (t [128]kind) {
	for c := '0'; c <= '9'; c++ {
		t[c] = kindDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = kindLetter, kindLetter
	}
	for _, c := range " \t\v\f-.()[]_~" {
		t[c] = kindSep
	}
	for _, c := range "/,;|&\n\r" {
		t[c] = kindSplit
	}
	t['+'] = kindPlus
	return t
}()

// runeKind classifies r; for digits it also returns the digit's value.
func runeKind(r rune) (kind, byte) {
	if r < 0x80 {
		k := asciiKinds[r]
		if k == kindDigit {
			return k, byte(r - '0')
		}
		return k, 0
	}
	switch {
	case r == '\uFF0B': // fullwidth plus
		return kindPlus, 0
	case unicode.Is(unicode.Nd, r):
		return kindDigit, unicodeDigit(r)
	case r == '\uFF0F' || r == '\uFF0C' || r == '\uFF1B' || r == '\u2028':
		return kindSplit, 0
	case unicode.In(r, unicode.Zs, unicode.Pd, unicode.Ps, unicode.Pe, unicode.Cf),
		r == '\u2212', r == '\u00B7', r == '\u30FB', r == '\uFF0E':
		return kindSep, 0
	case unicode.IsLetter(r):
		return kindLetter, 0
	}
	return kindJunk, 0
}

// unicodeDigit returns the value of a Unicode decimal digit. Unicode
// guarantees every Nd block is a run of ten code points from 0 to 9, and
// Go's table merges adjacent runs with stride 1, so the offset from the
// start of the range, modulo ten, is the digit's value.
func unicodeDigit(r rune) byte {
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10)
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10)
		}
	}
	return 0
}

// keypad maps a lower-case ASCII letter to its telephone keypad digit.
var keypad = [26]byte{
	2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9,
}

// isBlank reports whether r is spacing or an invisible format character
// (BOM, zero-width space, direction marks) that cells pick up in copy-paste.
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

// lower returns the ASCII lower-case form of b.
func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case;
// prefix must be lower case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// hasSuffixFold reports whether s ends with suffix, ignoring ASCII case;
// suffix must be lower case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && hasPrefixFold(s[len(s)-len(suffix):], suffix)
}

// isASCIILetter reports whether b is an ASCII letter.
func isASCIILetter(b byte) bool {
	return b < 0x80 && asciiKinds[b] == kindLetter
}

// isASCIIDigit reports whether b is an ASCII digit.
func isASCIIDigit(b byte) bool { return b >= '0' && b <= '9' }

// digitRun returns the length of the run of ASCII digits at the start of s.
func digitRun(s string) int {
	i := 0
	for i < len(s) && isASCIIDigit(s[i]) {
		i++
	}
	return i
}
