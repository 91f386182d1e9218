package phone

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// libReading is what reading.read computed with phonenumbers' own API
// before parse.go: the reference parse.go is held to.
type libReading struct {
	num      number
	err      error
	possible phonenumbers.ValidationResult
	typ      phonenumbers.PhoneNumberType
	region   string
}

func readWithLibrary(s, region string) libReading {
	var pn phonenumbers.PhoneNumber
	var out libReading
	if out.err = phonenumbers.ParseAndKeepRawInputToNumber(s, region, &pn); out.err != nil {
		return out
	}
	out.num = fromPhoneNumber(&pn)
	out.num.national = phonenumbers.GetNationalSignificantNumber(&pn)
	out.possible = phonenumbers.IsPossibleNumberWithReason(&pn)
	out.typ = phonenumbers.GetNumberType(&pn)
	out.region = phonenumbers.GetRegionCodeForNumber(&pn)
	return out
}

func readFast(s, region string) libReading {
	var out libReading
	if out.err = parse(s, region, &out.num); out.err != nil {
		return out
	}
	nsn := out.num.nsn()
	out.num.national = nsn
	out.possible = out.num.possible(nsn)
	out.region, out.typ = out.num.regionAndType(nsn)
	return out
}

// checkSame fails when parse.go and phonenumbers disagree on s in region.
func checkSame(t testing.TB, s, region string) {
	t.Helper()
	want, got := readWithLibrary(s, region), readFast(s, region)
	if want.err != got.err {
		t.Fatalf("parse(%q, %q): error %v, phonenumbers %v", s, region, got.err, want.err)
	}
	if want.err == nil && want != got {
		t.Fatalf("parse(%q, %q) =\n  %+v\nphonenumbers:\n  %+v", s, region, got, want)
	}
}

// parseRegions are the regions numbers are read in besides their own:
// none, NANP, national prefixes with transform rules (AR, BR, MX),
// Italian leading zeros, carrier codes, complex international prefixes.
var parseRegions = []string{"", "US", "CA", "GB", "DE", "FR", "IT", "AR", "BR", "MX", "AU", "JP", "RU", "IN", "CN", "CO", "KR", "SG", "NZ", "ZZ", "us"}

// variants returns strings people and spreadsheets make of one number:
// with and without "+", an international or national prefix, one digit
// changed, too short or too long.
func variants(cc int, nsn, ndd string) []string {
	ccs := strconv.Itoa(cc)
	out := []string{nsn, "+" + ccs + nsn, ccs + nsn, "00" + ccs + nsn, "011" + ccs + nsn, "0011" + ccs + nsn,
		"+" + nsn, "0" + nsn, "00" + nsn, "+0" + ccs + nsn, "+00" + ccs + nsn, "+011" + ccs + nsn, "1" + nsn}
	if ndd != "" {
		out = append(out, ndd+nsn, "+"+ccs+ndd+nsn, ccs+ndd+nsn)
	}
	for k := 1; k <= 3 && k < len(nsn); k++ {
		out = append(out, nsn[:len(nsn)-k], "+"+ccs+nsn[:len(nsn)-k], nsn+strings.Repeat("7", k), "+"+ccs+nsn+strings.Repeat("0", k))
	}
	for i := 0; i < len(nsn); i++ {
		d := []byte(nsn)
		d[i] = '0' + (d[i]-'0'+3)%10
		out = append(out, string(d), "+"+ccs+string(d))
	}
	return out
}

var numberTypes = []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
	phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
	phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}

// TestParseMatchesLibrary holds parse, possible and regionAndType to
// phonenumbers' answers for the example numbers of every region and
// type, read in their own region and in parseRegions, in the forms of
// variants; and for random digit strings.
func TestParseMatchesLibrary(t *testing.T) {
	regions := slices.Sorted(func(yield func(string) bool) {
		for r := range phonenumbers.GetSupportedRegions() {
			if !yield(r) {
				return
			}
		}
	})
	others := parseRegions
	if testing.Short() || raceEnabled {
		others = []string{"", "US", "GB", "AR", "IT"}
	}
	n := 0
	for _, r := range regions {
		for _, typ := range numberTypes {
			ex := phonenumbers.GetExampleNumberForType(r, typ)
			if ex == nil {
				continue
			}
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			for _, v := range variants(int(ex.GetCountryCode()), nsn, phonenumbers.GetNddPrefixForRegion(r, true)) {
				checkSame(t, v, r)
				for _, in := range others {
					checkSame(t, v, in)
					n++
				}
			}
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		for _, typ := range numberTypes {
			ex := phonenumbers.GetExampleNumberForNonGeoEntity(cc)
			_ = typ
			if ex == nil {
				continue
			}
			for _, v := range variants(cc, phonenumbers.GetNationalSignificantNumber(ex), "") {
				for _, in := range others {
					checkSame(t, v, in)
					n++
				}
			}
			break
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	random := 100_000
	if testing.Short() || raceEnabled {
		random = 10_000
	}
	for range random {
		d := make([]byte, 3+rng.IntN(20))
		for i := range d {
			d[i] = '0' + byte(rng.IntN(10))
		}
		s := string(d)
		if rng.IntN(2) == 0 {
			s = "+" + s
		}
		checkSame(t, s, parseRegions[rng.IntN(len(parseRegions))])
		n++
	}
	t.Logf("%d readings agree", n)
}

// TestParseFallsBackToLibrary covers strings parse leaves to phonenumbers.
func TestParseFallsBackToLibrary(t *testing.T) {
	for _, s := range []string{"", "+", "12", "+12", "++12345", "201-555-0123", "+1 201 555 0123 ext. 5", "tel:+12015550123", strings.Repeat("1", 251)} {
		for _, r := range []string{"", "US"} {
			checkSame(t, s, r)
		}
	}
}

func FuzzParseMatchesLibrary(f *testing.F) {
	for _, s := range []string{"2015550123", "+447400123456", "0044 7400 123456", "011541152345678", "0115491123456789", "+390612345678"} {
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, raw string, region uint8) {
		// Keep what clean would hand to parse: digits and a leading "+".
		var b strings.Builder
		for i, r := range raw {
			switch {
			case r >= '0' && r <= '9':
				b.WriteRune(r)
			case r == '+' && i == 0:
				b.WriteByte('+')
			}
		}
		checkSame(t, b.String(), parseRegions[int(region)%len(parseRegions)])
	})
}

func TestMetadataIndex(t *testing.T) {
	got := fmt.Sprint(metadata.forRegion("US").cc, metadata.forRegion("us") == nil, metadata.forRegion("") == nil,
		metadata.forRegionOrCode(800, "001").cc, metadata.forRegionOrCode(1, "001") == nil)
	if want := "1 true true 800 true"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
