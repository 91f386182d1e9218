package phone

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// number is a parsed phone number: the fields of phonenumbers.PhoneNumber
// that Normalize reads, as plain values (a PhoneNumber holds each field
// behind its own pointer, several allocations per parse).
type number struct {
	cc      int32  // country calling code
	nn      uint64 // national number, without its leading zeros
	italian bool   // the national number has leading zeros...
	zeros   int32  // ... this many (1 unless set otherwise, as in phonenumbers)
	source  phonenumbers.PhoneNumber_CountryCodeSource
	carrier string // preferred domestic carrier code
	ext     string // extension
	// national is the national significant number when parse found it
	// (it is then what nsn would build), "" otherwise.
	national string
}

// fromPhoneNumber copies what Normalize reads out of a PhoneNumber.
func fromPhoneNumber(pn *phonenumbers.PhoneNumber) number {
	return number{cc: pn.GetCountryCode(), nn: pn.GetNationalNumber(), italian: pn.GetItalianLeadingZero(),
		zeros: pn.GetNumberOfLeadingZeros(), source: pn.GetCountryCodeSource(),
		carrier: pn.GetPreferredDomesticCarrierCode(), ext: pn.GetExtension()}
}

// nsn is phonenumbers.GetNationalSignificantNumber: the national number
// with its leading zeros.
func (n *number) nsn() string {
	if n.national != "" {
		return n.national
	}
	var b [40]byte
	out := b[:0]
	if n.italian && n.zeros > 0 {
		for z := min(n.zeros, phonenumbers.MAX_LENGTH_FOR_NSN); z > 0; z-- {
			out = append(out, '0')
		}
	}
	return string(strconv.AppendUint(out, n.nn, 10))
}

// parse is phonenumbers.ParseAndKeepRawInputToNumber for what clean hands
// it: ASCII digits with an optional leading "+". For such a string most of
// parseHelper's steps have a fixed outcome (the whole string is the
// possible number; it is viable; it has no phone-context, sub-address or
// extension; normalizing leaves it as it is), and the remaining ones are
// done here with the patterns of the region compiled once (see meta.go).
// Anything else goes to phonenumbers. TestParseMatchesLibrary and
// FuzzParseMatchesLibrary hold the two to the same answers.
func parse(s, region string, out *number) error {
	if !parseable(s) {
		var pn phonenumbers.PhoneNumber
		err := phonenumbers.ParseAndKeepRawInputToNumber(s, region, &pn)
		*out = fromPhoneNumber(&pn)
		return err
	}
	*out = number{zeros: 1}
	plus := s[0] == '+'
	md := metadata.forRegion(region)
	if md == nil && !plus { // checkRegionForParsing
		return phonenumbers.ErrInvalidCountryCode
	}
	cc, national, err := extractCountryCode(s, md, out)
	if err != nil {
		if err != phonenumbers.ErrInvalidCountryCode || !plus {
			return err
		}
		// Strip the "+" and try again, as parseHelper does.
		if cc, national, err = extractCountryCode(s[1:], md, out); err != nil {
			return err
		} else if cc == 0 {
			return phonenumbers.ErrInvalidCountryCode
		}
	}
	if cc != 0 {
		if r := phonenumbers.GetRegionCodeForCountryCode(int(cc)); r != region {
			md = metadata.forRegionOrCode(cc, r)
		}
	} else {
		// No country code: s has no "+" (one would have given a code
		// or an error), so it is the national number as it is.
		national = s
		if region != "" {
			cc = md.cc
		} else {
			out.source = phonenumbers.PhoneNumber_UNSPECIFIED
		}
	}
	out.cc = cc
	if len(national) < phonenumbers.MIN_LENGTH_FOR_NSN {
		return phonenumbers.ErrTooShortNSN
	}
	if md != nil {
		// Keep the national prefix when the number without it has a
		// length the region does not allow: it may be a short number.
		potential, carrier, _ := md.stripNationalPrefix(national)
		switch md.testLength(potential) {
		case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY, phonenumbers.INVALID_LENGTH:
		default:
			national = potential
			out.carrier = carrier
		}
	}
	switch {
	case len(national) < phonenumbers.MIN_LENGTH_FOR_NSN:
		return phonenumbers.ErrTooShortNSN
	case len(national) > phonenumbers.MAX_LENGTH_FOR_NSN:
		return phonenumbers.ErrNumTooLong
	}
	if len(national) >= 2 && national[0] == '0' {
		out.italian = true
		z := int32(1)
		for int(z) < len(national)-1 && national[z] == '0' {
			z++
		}
		out.zeros = z
	}
	out.nn, _ = strconv.ParseUint(national, 10, 64)
	// The leading zeros and the digits after them spell national again,
	// so it is the national significant number as it is.
	out.national = national
	return nil
}

// parseable reports whether s is what parse handles itself: an optional
// "+" and at least three ASCII digits (fewer than three may not be viable
// with a "+"), no longer than phonenumbers reads.
func parseable(s string) bool {
	d := strings.TrimPrefix(s, "+")
	if len(d) < 3 || len(s) > phonenumbers.MAX_INPUT_STRING_LENGTH {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// extractCountryCode is phonenumbers.maybeExtractCountryCode for s (digits
// with an optional "+") read in the region of md (nil when none). It
// returns the country code, or 0 when s has none, and the national number
// after it; it sets out.source.
func extractCountryCode(s string, md *meta, out *number) (int32, string, error) {
	full, source := stripInternationalPrefix(s, md)
	out.source = source
	if source != phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY {
		if len(full) <= phonenumbers.MIN_LENGTH_FOR_NSN {
			return 0, "", phonenumbers.ErrTooShortAfterIDD
		}
		if full[0] != '0' {
			for i := 1; i <= phonenumbers.MAX_LENGTH_COUNTRY_CODE && i <= len(full); i++ {
				cc, _ := strconv.Atoi(full[:i])
				if metadata.callCodes[cc] {
					return int32(cc), full[i:], nil
				}
			}
		}
		return 0, "", phonenumbers.ErrInvalidCountryCode
	}
	if md != nil && strings.HasPrefix(full, md.ccStr) {
		// The region's own country code without a "+": keep it out of the
		// national number when that makes a better number.
		potential, _, _ := md.stripNationalPrefix(full[len(md.ccStr):])
		fullValid := md.general.re.MatchString(full)
		nationalValid := md.general.re.MatchString(potential)
		if (!fullValid && nationalValid) || md.testLength(full) == phonenumbers.TOO_LONG {
			out.source = phonenumbers.PhoneNumber_FROM_NUMBER_WITHOUT_PLUS_SIGN
			return md.cc, potential, nil
		}
	}
	return 0, "", nil
}

// stripInternationalPrefix is maybeStripInternationalPrefixAndNormalize
// for digits with an optional "+".
func stripInternationalPrefix(s string, md *meta) (string, phonenumbers.PhoneNumber_CountryCodeSource) {
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		return rest, phonenumbers.PhoneNumber_FROM_NUMBER_WITH_PLUS_SIGN
	}
	if md == nil { // phonenumbers' "NonMatch" prefix
		return s, phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY
	}
	if !md.idd.MatchString(s) {
		return s, phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY
	}
	loc := md.idd.re.FindStringIndex(s)
	if loc == nil {
		return s, phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY
	}
	// Country codes do not start with 0: then the digits were no IDD.
	if rest := s[loc[1]:]; rest == "" || rest[0] != '0' {
		return rest, phonenumbers.PhoneNumber_FROM_NUMBER_WITH_IDD
	}
	return s, phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY
}

// stripNationalPrefix is maybeStripNationalPrefixAndCarrierCode: it
// returns s without its national prefix (transformed when the region says
// so) and the carrier code, or s unchanged and false.
func (m *meta) stripNationalPrefix(s string) (string, string, bool) {
	if s == "" || m.natPrefix == nil {
		return s, "", false
	}
	if !m.natPrefix.MatchString(s) {
		return s, "", false
	}
	groups := m.natPrefix.re.FindStringSubmatchIndex(s)
	if groups == nil {
		return s, "", false
	}
	viable := m.general.re.MatchString(s)
	n := len(groups)/2 - 1 // capturing groups
	if m.transform == "" || groups[n*2] < 0 {
		if viable && !m.general.re.MatchString(s[groups[1]:]) {
			return s, "", false
		}
		carrier := ""
		if n > 0 && groups[2] >= 0 && groups[3] >= 0 {
			carrier = s[groups[2]:groups[3]]
		}
		return s[groups[1]:], carrier, true
	}
	transformed := m.natPrefix.re.ReplaceAllString(s, m.transform)
	if viable && !m.general.re.MatchString(transformed) {
		return s, "", false
	}
	carrier := ""
	if n > 1 && groups[2] != -1 {
		carrier = s[groups[2]:groups[3]]
	}
	return transformed, carrier, true
}

// testLength is phonenumbers.testNumberLength for any number type.
func (m *meta) testLength(nsn string) phonenumbers.ValidationResult {
	lengths := m.general.lengths
	if len(lengths) == 0 || lengths[0] == -1 {
		return phonenumbers.INVALID_LENGTH
	}
	n := int32(len(nsn))
	if hasLength(m.general.local, n) {
		return phonenumbers.IS_POSSIBLE_LOCAL_ONLY
	}
	switch {
	case lengths[0] == n:
		return phonenumbers.IS_POSSIBLE
	case lengths[0] > n:
		return phonenumbers.TOO_SHORT
	case lengths[len(lengths)-1] < n:
		return phonenumbers.TOO_LONG
	case hasLength(lengths[1:], n):
		return phonenumbers.IS_POSSIBLE
	}
	return phonenumbers.INVALID_LENGTH
}

// possible is phonenumbers.IsPossibleNumberWithReason.
func (n *number) possible(nsn string) phonenumbers.ValidationResult {
	if !metadata.callCodes[int(n.cc)] {
		return phonenumbers.INVALID_COUNTRY_CODE
	}
	md := metadata.forRegionOrCode(n.cc, phonenumbers.GetRegionCodeForCountryCode(int(n.cc)))
	if md.md.GetGeneralDesc().GetNationalNumberPattern() == "" {
		switch {
		case len(nsn) < phonenumbers.MIN_LENGTH_FOR_NSN:
			return phonenumbers.TOO_SHORT
		case len(nsn) > phonenumbers.MAX_LENGTH_FOR_NSN:
			return phonenumbers.TOO_LONG
		}
		return phonenumbers.IS_POSSIBLE
	}
	return md.testLength(nsn)
}

// regionAndType is phonenumbers.GetRegionCodeForNumber and GetNumberType
// in one pass: GetNumberType finds the region first, by classifying the
// number in each region of its country code, and then classifies it
// again.
func (n *number) regionAndType(nsn string) (string, phonenumbers.PhoneNumberType) {
	regions := phonenumbers.GetRegionCodesForCountryCode(int(n.cc))
	switch len(regions) {
	case 0:
		return "", phonenumbers.UNKNOWN
	case 1:
		if md := metadata.forRegionOrCode(n.cc, regions[0]); md != nil {
			return regions[0], md.numberType(nsn)
		}
		return regions[0], phonenumbers.UNKNOWN
	}
	for _, r := range regions {
		md := metadata.forRegion(r)
		if md.leading != nil {
			if md.leading.MatchString(nsn) {
				return r, md.numberType(nsn)
			}
		} else if t := md.numberType(nsn); t != phonenumbers.UNKNOWN {
			return r, t
		}
	}
	return "", phonenumbers.UNKNOWN
}

// numberType is phonenumbers.getNumberTypeHelper.
func (m *meta) numberType(nsn string) phonenumbers.PhoneNumberType {
	switch {
	case !m.general.matches(nsn):
		return phonenumbers.UNKNOWN
	case m.premium.matches(nsn):
		return phonenumbers.PREMIUM_RATE
	case m.tollFree.matches(nsn):
		return phonenumbers.TOLL_FREE
	case m.sharedCost.matches(nsn):
		return phonenumbers.SHARED_COST
	case m.voip.matches(nsn):
		return phonenumbers.VOIP
	case m.personal.matches(nsn):
		return phonenumbers.PERSONAL_NUMBER
	case m.pager.matches(nsn):
		return phonenumbers.PAGER
	case m.uan.matches(nsn):
		return phonenumbers.UAN
	case m.voicemail.matches(nsn):
		return phonenumbers.VOICEMAIL
	case m.fixed.matches(nsn):
		if m.sameMobileFixed || m.mobile.matches(nsn) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	case !m.sameMobileFixed && m.mobile.matches(nsn):
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}
