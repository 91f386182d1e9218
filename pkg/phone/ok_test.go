package phone

import "testing"

var okCases = register([]tc{
	{name: "US parentheses", raw: "(201) 555-0123", e164: "+12015550123", typ: TypeFixedLineOrMobile, where: "US"},
	{name: "US dashes", raw: "201-555-0123", e164: "+12015550123"},
	{name: "US dots", raw: "201.555.0123", e164: "+12015550123"},
	{name: "US spaces", raw: "201 555 0123", e164: "+12015550123"},
	{name: "US plain digits", raw: "2015550123", e164: "+12015550123"},
	{name: "US with plus", raw: "+1 201-555-0123", e164: "+12015550123"},
	{name: "US trunk 1 is not a missing plus", raw: "1-201-555-0123", e164: "+12015550123"},
	{name: "US spreadsheet integer", raw: "12015550123", e164: "+12015550123"},
	{name: "US toll free", raw: "1 (800) 234-5678", e164: "+18002345678", typ: TypeTollFree},
	{name: "Canada through NANP", raw: "(204) 234-5678", e164: "+12042345678", where: "CA"},
	{name: "surrounding whitespace", raw: "  \t2015550123 \n", e164: "+12015550123"},
	{name: "non-breaking spaces", raw: "201\u00a0555\u00a00123\u00a0", e164: "+12015550123"},
	{name: "narrow no-break and thin spaces", raw: "+1\u202f201\u2009555\u20090123", e164: "+12015550123"},
	{name: "byte order mark", raw: "\ufeff2015550123", e164: "+12015550123"},
	{name: "direction marks", raw: "\u200e+1 201 555 0123\u200f", e164: "+12015550123"},
	{name: "en dash and minus sign", raw: "201\u2013555\u22120123", e164: "+12015550123"},
	{name: "fullwidth digits", raw: "\uff12\uff10\uff11\uff15\uff15\uff15\uff10\uff11\uff12\uff13", e164: "+12015550123"},
	{name: "fullwidth plus", raw: "\uff0b44 7400 123456", e164: "+447400123456"},
	{name: "Arabic-Indic digits", raw: "\u0662\u0660\u0661\u0665\u0665\u0665\u0660\u0661\u0662\u0663", e164: "+12015550123"},
	{name: "Devanagari digits", raw: "+\u096f\u0967 \u096e\u0967\u0968\u0969\u096a \u096b\u096c\u096d\u096e\u096f", e164: "+918123456789"},
	{name: "Excel text marker", raw: "'2015550123", e164: "+12015550123"},
	{name: "Excel formula text", raw: `="2015550123"`, e164: "+12015550123"},
	{name: "CSV quotes", raw: `"+1 201 555 0123"`, e164: "+12015550123"},
	{name: "GB mobile international in US file", raw: "+44 7400 123456", e164: "+447400123456", typ: TypeMobile, where: "GB"},
	{name: "GB national with row code", raw: "07400 123456", region: "GB", e164: "+447400123456", typ: TypeMobile},
	{name: "GB row code lower case", raw: "0121 234 5678", region: "gb", e164: "+441212345678", typ: TypeFixedLine},
	{name: "GB row name", raw: "0121 234 5678", region: "United Kingdom", e164: "+441212345678"},
	{name: "GB row UK", raw: "07400 123456", region: "UK", e164: "+447400123456"},
	{name: "GB trunk zero in brackets", raw: "+44 (0) 20 7946 0958", e164: "+442079460958", where: "GB"},
	{name: "Jersey under +44", raw: "+44 1534 456789", e164: "+441534456789", where: "JE"},
	{name: "DE mobile", raw: "01512 3456789", region: "Germany", e164: "+4915123456789", typ: TypeMobile, where: "DE"},
	{name: "DE slash area code", raw: "030/123456", region: "DE", e164: "+4930123456", typ: TypeFixedLine},
	{name: "DE international", raw: "+49 (0)30 123456", e164: "+4930123456"},
	{name: "FR mobile", raw: "06 12 34 56 78", region: "France", e164: "+33612345678", typ: TypeMobile},
	{name: "FR fixed dotted", raw: "01.23.45.67.89", region: "FR", e164: "+33123456789", typ: TypeFixedLine},
	{name: "IN mobile", raw: "081234 56789", region: "India", e164: "+918123456789", typ: TypeMobile},
	{name: "IN international", raw: "+91 74104 10123", e164: "+917410410123"},
	{name: "BR mobile", raw: "(11) 96123-4567", region: "Brazil", e164: "+5511961234567", typ: TypeMobile},
	{name: "BR fixed", raw: "(11) 2345-6789", region: "BR", e164: "+551123456789", typ: TypeFixedLine},
	{name: "AU mobile", raw: "0412 345 678", region: "Australia", e164: "+61412345678", typ: TypeMobile},
	{name: "AU fixed", raw: "(02) 1234 5678", region: "AU", e164: "+61212345678", typ: TypeFixedLine},
	{name: "row USA", raw: "201-555-0123", region: "USA", e164: "+12015550123"},
	{name: "row United States of America", raw: "201-555-0123", region: "United States of America", e164: "+12015550123"},
	{name: "plus wins over row region", raw: "+1 201 555 0123", region: "DE", e164: "+12015550123", where: "US"},
	{name: "valid national not reread as international", raw: "2015550123", e164: "+12015550123", where: "US"},
	{name: "non-geographic toll free", raw: "+800 1234 5678", e164: "+80012345678", typ: TypeTollFree, where: "001"},
	{name: "Italian leading zero", raw: "+39 06 1234 5678", e164: "+390612345678", where: "IT"},
})

func TestOK(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US"}), OK, okCases)
}

var possibleCases = register([]tc{
	{name: "US 555 exchange area code", raw: "555-123-4567", e164: "+15551234567", typ: TypeUnknown, where: "US"},
	{name: "GB unallocated range", raw: "+44 1000 123456", e164: "+441000123456", typ: TypeUnknown, where: "GB"},
	{name: "DE short unallocated", raw: "+49 1512 345678", e164: "+491512345678", typ: TypeUnknown},
})

func TestAcceptPossible(t *testing.T) {
	runTable(t, mustNew(t, Options{DefaultRegion: "US", Accept: AcceptPossible}), OK, possibleCases)
	t.Run("valid is still preferred to a possible national reading", func(t *testing.T) {
		n := mustNew(t, Options{DefaultRegion: "US", Accept: AcceptPossible})
		if got := n.Normalize("447400123456", ""); got.E164 != "+447400123456" || got.Reason != RepairedMissingPlus {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr bool
	}{
		{name: "no region", opts: Options{}},
		{name: "code", opts: Options{DefaultRegion: "US"}},
		{name: "lower-case code", opts: Options{DefaultRegion: "de"}},
		{name: "country name", opts: Options{DefaultRegion: "United Kingdom"}},
		{name: "unknown region", opts: Options{DefaultRegion: "XX"}, wantErr: true},
		{name: "bad accept", opts: Options{DefaultRegion: "US", Accept: 7}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%+v) error = %v, wantErr %v", tt.opts, err, tt.wantErr)
			}
		})
	}
}
