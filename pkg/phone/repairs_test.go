package phone

import "testing"

var (
	sci   = RepairedScientificNotation
	dec   = RepairedTrailingZeroDecimal
	plus  = RepairedMissingPlus
	idd   = RepairedInternationalPrefix
	tel   = RepairedTelURI
	ext   = RepairedExtension
	vanit = RepairedVanity
)

var (
	repairedScientificNotationCases = register([]tc{
		{name: "Excel upper case", raw: "1.2015550123E+10", e164: "+12015550123", repairs: []Reason{sci}},
		{name: "lower case without sign", raw: "1.2015550123e10", e164: "+12015550123", repairs: []Reason{sci}},
		{name: "national digits", raw: "2.015550123E+09", e164: "+12015550123", repairs: []Reason{sci}},
		{name: "decimal comma", raw: "1,2015550123E+10", e164: "+12015550123", repairs: []Reason{sci}},
		{name: "text marker", raw: "'1.2015550123E+10", e164: "+12015550123", repairs: []Reason{sci}},
		{name: "then missing plus GB", raw: "4.47400123456E+11", e164: "+447400123456", repairs: []Reason{sci, plus}, where: "GB"},
		{name: "then missing plus IN", raw: "9.18123456789E+11", e164: "+918123456789", repairs: []Reason{sci, plus}},
		{name: "AU row", raw: "6.1412345678E+10", region: "AU", e164: "+61412345678", repairs: []Reason{sci, plus}},
		{name: "BR row", raw: "5.511961234567E+12", region: "Brazil", e164: "+5511961234567", repairs: []Reason{sci, plus}},
	})
	repairedTrailingZeroDecimalCases = register([]tc{
		{name: "with country code", raw: "12015550123.0", e164: "+12015550123", repairs: []Reason{dec}},
		{name: "national", raw: "2015550123.0", e164: "+12015550123", repairs: []Reason{dec}},
		{name: "two zeros", raw: "2015550123.00", e164: "+12015550123", repairs: []Reason{dec}},
		{name: "decimal comma", raw: "12015550123,0", e164: "+12015550123", repairs: []Reason{dec}},
		{name: "then missing plus", raw: "447400123456.0", e164: "+447400123456", repairs: []Reason{dec, plus}},
		{name: "with plus", raw: "+4930123456.0", e164: "+4930123456", repairs: []Reason{dec}},
		{name: "FR row", raw: "33612345678.0", region: "FR", e164: "+33612345678", repairs: []Reason{dec, plus}},
	})
	repairedMissingPlusCases = register([]tc{
		{name: "GB mobile in US file", raw: "447400123456", e164: "+447400123456", repairs: []Reason{plus}, typ: TypeMobile, where: "GB"},
		{name: "DE mobile in US file", raw: "4915123456789", e164: "+4915123456789", repairs: []Reason{plus}, where: "DE"},
		{name: "FR mobile in US file", raw: "33 6 12 34 56 78", e164: "+33612345678", repairs: []Reason{plus}, where: "FR"},
		{name: "IN mobile in US file", raw: "918123456789", e164: "+918123456789", repairs: []Reason{plus}, where: "IN"},
		{name: "BR mobile in US file", raw: "5511961234567", e164: "+5511961234567", repairs: []Reason{plus}, where: "BR"},
		{name: "AU mobile in US file", raw: "61412345678", e164: "+61412345678", repairs: []Reason{plus}, where: "AU"},
		{name: "GB number in GB row", raw: "447400123456", region: "GB", e164: "+447400123456", repairs: []Reason{plus}},
		{name: "DE number in DE row", raw: "49 30 123456", region: "Germany", e164: "+4930123456", repairs: []Reason{plus}},
	})
	noRegionMissingPlusCases = register([]tc{
		{name: "no region at all", raw: "447400123456", e164: "+447400123456", repairs: []Reason{plus}},
	})
	repairedInternationalPrefixCases = register([]tc{
		{name: "00 in US file", raw: "0044 7400 123456", e164: "+447400123456", repairs: []Reason{idd}},
		{name: "011 in US file", raw: "011 44 7400 123456", e164: "+447400123456", repairs: []Reason{idd}},
		{name: "011 IN", raw: "011 91 81234 56789", e164: "+918123456789", repairs: []Reason{idd}},
		{name: "00 DE row", raw: "00 49 30 123456", region: "DE", e164: "+4930123456", repairs: []Reason{idd}},
		{name: "00 FR row", raw: "0033 6 12 34 56 78", region: "FR", e164: "+33612345678", repairs: []Reason{idd}},
		{name: "0011 AU row", raw: "0011 61 412 345 678", region: "Australia", e164: "+61412345678", repairs: []Reason{idd}},
		{name: "00 to NANP from GB row", raw: "00 1 201 555 0123", region: "GB", e164: "+12015550123", repairs: []Reason{idd}},
		{name: "00 in unknown row region", raw: "0044 7400 123456", region: "Narnia", e164: "+447400123456", repairs: []Reason{idd}},
	})
	repairedTelURICases = register([]tc{
		{name: "global number", raw: "tel:+1-201-555-0123", e164: "+12015550123", repairs: []Reason{tel}},
		{name: "upper case scheme", raw: "TEL:+44-20-7946-0958", e164: "+442079460958", repairs: []Reason{tel}},
		{name: "extension parameter", raw: "tel:+1-201-555-0123;ext=12", e164: "+12015550123", repairs: []Reason{tel, ext}, ext: "12"},
		{name: "phone-context", raw: "tel:0121-234-5678;phone-context=+44", e164: "+441212345678", repairs: []Reason{tel}},
		{name: "slashes", raw: "tel://+33612345678", e164: "+33612345678", repairs: []Reason{tel}},
		{name: "label with space", raw: "Tel: +49 30 123456", e164: "+4930123456", repairs: []Reason{tel}},
		{name: "national tel", raw: "tel:201-555-0123", e164: "+12015550123", repairs: []Reason{tel}},
	})
	repairedExtensionCases = register([]tc{
		{name: "x with space", raw: "201-555-0123 x123", e164: "+12015550123", repairs: []Reason{ext}, ext: "123"},
		{name: "x glued", raw: "201-555-0123x123", e164: "+12015550123", repairs: []Reason{ext}, ext: "123"},
		{name: "ext dot", raw: "(201) 555-0123 ext. 45", e164: "+12015550123", repairs: []Reason{ext}, ext: "45"},
		{name: "Ext colon", raw: "201 555 0123 Ext: 7", e164: "+12015550123", repairs: []Reason{ext}, ext: "7"},
		{name: "EXT upper", raw: "201.555.0123 EXT 4567", e164: "+12015550123", repairs: []Reason{ext}, ext: "4567"},
		{name: "extension word GB", raw: "+44 20 7946 0958 extension 204", e164: "+442079460958", repairs: []Reason{ext}, ext: "204"},
		{name: "hash", raw: "201-555-0123 #99", e164: "+12015550123", repairs: []Reason{ext}, ext: "99"},
		{name: "RFC 3966 parameter", raw: "+1 201 555 0123;ext=55", e164: "+12015550123", repairs: []Reason{ext}, ext: "55"},
		{name: "DE row", raw: "030 123456 x 12", region: "DE", e164: "+4930123456", repairs: []Reason{ext}, ext: "12"},
	})
	repairedVanityCases = register([]tc{
		{name: "1-800-FLOWERS", raw: "1-800-FLOWERS", e164: "+18003569377", repairs: []Reason{vanit}, typ: TypeTollFree},
		{name: "mixed case", raw: "1 (800) Got-Junk", e164: "+18004685865", repairs: []Reason{vanit}},
		{name: "with plus", raw: "+1-800-MY-APPLE", e164: "+18006927753", repairs: []Reason{vanit}},
		{name: "with extension", raw: "1-800-FLOWERS ext 5", e164: "+18003569377", repairs: []Reason{ext, vanit}, ext: "5"},
	})
)

func TestRepairedScientificNotation(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), sci, repairedScientificNotationCases)
}

func TestRepairedTrailingZeroDecimal(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), dec, repairedTrailingZeroDecimalCases)
}

func TestRepairedMissingPlus(t *testing.T) {
	us := mustNew(t, Options{DefaultRegion: "US"})
	runTable(t, us, plus, repairedMissingPlusCases)
	runTable(t, mustNew(t, Options{}), plus, noRegionMissingPlusCases)
}

func TestRepairedInternationalPrefix(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), idd, repairedInternationalPrefixCases)
}

func TestRepairedTelURI(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), tel, repairedTelURICases)
}

func TestRepairedExtension(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), ext, repairedExtensionCases)
}

func TestRepairedVanity(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US", AllowVanity: true}), vanit, repairedVanityCases)
}
