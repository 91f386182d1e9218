package phone

import (
	"strings"
	"testing"
)

var (
	invalidNumberCases = register([]tc{
		{name: "two local numbers with slash", raw: "555-1234 / 555-9876"},
		{name: "two numbers with comma", raw: "(201) 555-0123, (201) 555-0199"},
		{name: "two numbers with or", raw: "201-555-0123 or 201-555-0199"},
		{name: "two numbers with semicolon", raw: "+44 7400 123456; +44 7400 654321"},
		{name: "two numbers with newline", raw: "030 1234567\n030 7654321", region: "DE"},
		{name: "two numbers second with plus", raw: "+1 201 555 0123 +1 201 555 0199"},
		{name: "extension too long to be one", raw: "201-555-0123 x12345678901"},
		{name: "scientific notation lost digits", raw: "1.55512E+10"},
		{name: "scientific notation lost one digit", raw: "4.4740012345E+11"},
		{name: "unknown country code", raw: "+999 1234 5678"},
		{name: "AU impossible length", raw: "+61 2 1234 5678 90"},
	})
	invalidForRegionCases = register([]tc{
		{name: "US 555 area code", raw: "555-123-4567"},
		{name: "US 555 international", raw: "+1 555 123 4567"},
		{name: "US area code starting with 1", raw: "(123) 555-0123"},
		{name: "US exchange starting with 0", raw: "(201) 055-0123"},
		{name: "US unassigned area code", raw: "(987) 555-0123"},
		{name: "GB unallocated", raw: "+44 1000 123456"},
		{name: "GB short mobile", raw: "+44 7400 12345"},
		{name: "DE unallocated", raw: "+49 1512 345678"},
		{name: "AU unallocated", raw: "+61 4123 4567"},
		{name: "IN unallocated", raw: "+91 81234 5678"},
		{name: "BR unallocated", raw: "+55 11 9612 3456"},
		{name: "national number with unknown row region", raw: "2015550123", region: "Narnia"},
		{name: "national DE number with unknown row region", raw: "030 123456", region: "Atlantis"},
	})
	noRegionInvalidForRegionCases = register([]tc{
		{name: "national number without any region", raw: "030 123456"},
	})
	tooShortCases = register([]tc{
		{name: "two digits", raw: "12"},
		{name: "four digits", raw: "1234"},
		{name: "US local without area code", raw: "555-1234"},
		{name: "GB local without area code", raw: "+44 20 7946"},
		{name: "FR one digit short", raw: "+33 6 12 34 56 7"},
		{name: "after extension split", raw: "12 x 34", repairs: []Reason{RepairedExtension}},
		{name: "short scientific notation", raw: "1.2E+1", repairs: []Reason{RepairedScientificNotation}},
		{name: "IDD with too little after it", raw: "011 44"},
	})
	tooLongCases = register([]tc{
		{name: "US with extra digits", raw: "+1 201 555 0123 4567 8"},
		{name: "FR one digit long", raw: "+33 6 12 34 56 789"},
		{name: "beyond E.164", raw: "+49 30 1234 5678 9012"},
		{name: "beyond any national number", raw: "+49 30 1234567890123456"},
		{name: "runaway digits", raw: strings.Repeat("1234567890", 4)},
		{name: "huge scientific notation", raw: "9.9E+50"},
		{name: "huge cell", raw: strings.Repeat("1", 600)},
	})
	notANumberCases = register([]tc{
		{name: "words", raw: "call me"},
		{name: "vanity without AllowVanity", raw: "1-800-FLOWERS"},
		{name: "label after number", raw: "201-555-0123 (mobile)"},
		{name: "email", raw: "jane@example.com"},
		{name: "asterisks", raw: "201*555*0123"},
		{name: "plus after digits", raw: "201-555-0123+1"},
		{name: "Cyrillic letters", raw: "тел 201 555 0123"},
		{name: "negative exponent", raw: "1.5E-10"},
		{name: "fractional scientific notation", raw: "1.2345678901E+3"},
		{name: "dangling x", raw: "201-555-0123 x"},
		{name: "extension with a letter", raw: "201-555-0123 ext 12a"},
		{name: "tel URI with letters in ext", raw: "tel:+1-201-555-0123;ext=abc", repairs: []Reason{RepairedTelURI}},
	})
	vanityNotANumberCases = register([]tc{
		{name: "vanity: letters only", raw: "FLOWERS"},
		{name: "vanity: words", raw: "call me"},
		{name: "vanity: non-ASCII letters", raw: "1-800-BLÜMEN"},
	})
	missingCases = register([]tc{
		{name: "empty", raw: ""},
		{name: "spaces", raw: "   "},
		{name: "tabs and newlines", raw: "\t\n"},
		{name: "non-breaking space", raw: "\u00a0"},
		{name: "n/a", raw: "n/a"},
		{name: "N/A", raw: "N/A"},
		{name: "Excel #N/A", raw: "#N/A"},
		{name: "NA", raw: "NA"},
		{name: "dash", raw: "-"},
		{name: "dashes", raw: "---"},
		{name: "none", raw: "none"},
		{name: "None capitalised", raw: "None"},
		{name: "null", raw: "null"},
		{name: "NULL", raw: "NULL"},
		{name: "nil", raw: "nil"},
		{name: "pandas NaN", raw: "NaN"},
		{name: "zero", raw: "0"},
		{name: "zero float", raw: "0.0", repairs: []Reason{RepairedTrailingZeroDecimal}},
		{name: "all zeros", raw: "000-000-0000"},
		{name: "mask", raw: "xxx-xxx-xxxx"},
		{name: "unknown", raw: "Unknown"},
		{name: "TBD", raw: "TBD"},
		{name: "question mark", raw: "?"},
		{name: "lone text marker", raw: "'"},
		{name: "empty quotes", raw: `""`},
		{name: "lone plus", raw: "+"},
		{name: "parentheses", raw: "( )"},
		{name: "bracketed blank", raw: "(blank)"},
	})
)

func TestInvalidNumber(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), InvalidNumber, invalidNumberCases)
}

func TestInvalidForRegion(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), InvalidForRegion, invalidForRegionCases)
	runTable(t, mustNew(t, Options{}), InvalidForRegion, noRegionInvalidForRegionCases)
}

func TestTooShort(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), TooShort, tooShortCases)
}

func TestTooLong(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), TooLong, tooLongCases)
}

func TestNotANumber(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), NotANumber, notANumberCases)
	runTable(t, mustNew(t, Options{DefaultRegion: "US", AllowVanity: true}), NotANumber, vanityNotANumberCases)
}

func TestMissing(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), Missing, missingCases)
	runTable(t, mustNew(t, Options{DefaultRegion: "US", AllowVanity: true}), Missing, missingCases)
}
