package phone

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// maxE164Digits is the most digits E.164 allows after the "+".
const maxE164Digits = 15

// reading is one libphonenumber parse of a digit string and its verdict.
type reading struct {
	num      number
	err      error
	typ      phonenumbers.PhoneNumberType
	valid    bool
	possible phonenumbers.ValidationResult
	region   string // the number's region when valid (GetRegionCodeForNumber)
}

// read parses s for region. The length check comes first because it is
// cheap and no valid number is hopeless by length, while matching
// the patterns of an invalid number is costly (a +1 number is tried
// against every NANP region). A number is valid exactly when its type is
// known (that is how IsValidNumber decides), so one pass over the
// patterns answers validity, type and region (see regionAndType).
func (rd *reading) read(s, region string) {
	rd.err = parse(s, region, &rd.num)
	if rd.err != nil {
		return
	}
	nsn := rd.num.nsn()
	rd.possible = rd.num.possible(nsn)
	if hopeless(rd.possible) {
		rd.typ = phonenumbers.UNKNOWN
		return
	}
	rd.region, rd.typ = rd.num.regionAndType(nsn)
	rd.valid = rd.typ != phonenumbers.UNKNOWN
}

// hopeless reports whether a length verdict rules out a valid number. It
// leaves out IS_POSSIBLE_LOCAL_ONLY and INVALID_LENGTH: lengths are judged
// with the main region of a shared country code, and a few numbers of the
// other regions (Canada's 7-digit 310-xxxx) are valid all the same.
func hopeless(v phonenumbers.ValidationResult) bool {
	return v == phonenumbers.TOO_LONG || v == phonenumbers.TOO_SHORT || v == phonenumbers.INVALID_COUNTRY_CODE
}

// e164 formats the parsed number without libphonenumber's builders.
func (rd *reading) e164() (string, int) {
	var b [32]byte
	out := append(b[:0], '+')
	out = strconv.AppendInt(out, int64(rd.num.cc), 10)
	if rd.num.italian {
		for z := rd.num.zeros; z > 0 && len(out) < 24; z-- {
			out = append(out, '0')
		}
	}
	out = strconv.AppendUint(out, rd.num.nn, 10)
	return string(out), len(out) - 1
}

// accepted builds the Result for an acceptable reading of c.
func (n *Normalizer) accepted(raw string, c *cleaned, rd *reading, region string) Result {
	e164, digits := rd.e164()
	if digits > maxE164Digits {
		return Result{Reason: TooLong, Repairs: c.repairList(),
			Message: fmt.Sprintf("%q has %d digits with its country code, more than the %d E.164 allows", raw, digits, maxE164Digits)}
	}
	if !rd.valid && !stable(e164) {
		return Result{Reason: InvalidForRegion, Repairs: c.repairList(),
			Message: fmt.Sprintf("%q matches no numbering range and does not read back as the same number", raw)}
	}
	switch rd.num.source {
	case phonenumbers.PhoneNumber_FROM_NUMBER_WITH_IDD:
		c.repair(RepairedInternationalPrefix)
	case phonenumbers.PhoneNumber_FROM_NUMBER_WITHOUT_PLUS_SIGN:
		// In the NANP "1" is both the country code and the trunk prefix,
		// so "1 201 555 0123" is the usual national form, not damage.
		cc := strconv.Itoa(int(rd.num.cc))
		if phonenumbers.GetNddPrefixForRegion(region, true) != cc {
			c.repair(RepairedMissingPlus)
		}
	}
	res := Result{E164: e164, Reason: OK, Extension: c.ext, Type: typeName(rd.typ)}
	if rd.valid {
		res.Region = rd.region
	} else if r := phonenumbers.GetRegionCodeForCountryCode(int(rd.num.cc)); r != "ZZ" {
		res.Region = r
	}
	if c.nrep > 0 {
		res.Repairs = c.repairList()
		res.Reason = res.Repairs[0]
		res.Message = repairMessage(raw, c, e164, region)
	}
	return res
}

// stable reports whether e164 parses back to itself. A merely possible
// number can begin with digits libphonenumber strips as a trunk prefix
// ("+91 0000 ..."), and would then change every time it is normalized;
// valid numbers never do.
func stable(e164 string) bool {
	var again reading
	again.read(e164, "")
	if again.err != nil {
		return false
	}
	s, _ := again.e164()
	return s == e164
}

// rejection maps a failed reading to a reason and a message. plus tells
// whether the cell had a "+", asked is the row's region as given and
// region the code it resolved to ("" when unknown or absent).
func (rd *reading) rejection(raw string, plus bool, asked, region string, known bool) (Reason, string) {
	where := region
	if where == "" {
		where = "its region"
	}
	if rd.err != nil {
		return parseRejection(rd.err, raw, plus, asked, known)
	}
	cc := rd.num.cc
	if r := phonenumbers.GetRegionCodeForCountryCode(int(cc)); r != "ZZ" && r != "001" {
		where = r
	}
	nsn := len(strconv.FormatUint(rd.num.nn, 10))
	switch rd.possible {
	case phonenumbers.TOO_SHORT:
		return TooShort, fmt.Sprintf("%q is too short for a number in %s (%d digits, not counting the country code)", raw, where, nsn)
	case phonenumbers.TOO_LONG:
		return TooLong, fmt.Sprintf("%q is too long for a number in %s (%d digits, not counting the country code)", raw, where, nsn)
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return TooShort, fmt.Sprintf("%q is a local number in %s without its area code", raw, where)
	case phonenumbers.INVALID_LENGTH:
		return InvalidNumber, fmt.Sprintf("%q has %d digits not counting the country code, a length numbers in %s never have", raw, nsn, where)
	case phonenumbers.INVALID_COUNTRY_CODE:
		return InvalidNumber, fmt.Sprintf("%q starts with +%d, which is not a country calling code", raw, cc)
	}
	return InvalidForRegion, fmt.Sprintf("%q has the length of a number in %s but lies in no numbering range there", raw, where)
}

// parseRejection maps a libphonenumber parse error to a reason and a
// message.
func parseRejection(err error, raw string, plus bool, asked string, known bool) (Reason, string) {
	switch {
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return TooShort, fmt.Sprintf("%q is too short to be a phone number", raw)
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return TooLong, fmt.Sprintf("%q is too long to be a phone number", raw)
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && !plus && !known:
		return InvalidForRegion, fmt.Sprintf("%q has no country code and the row's region %q is not a known country", raw, asked)
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && !plus:
		return InvalidForRegion, fmt.Sprintf("%q has no country code and no default region is set", raw)
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return InvalidNumber, fmt.Sprintf("%q does not start with a known country calling code", raw)
	}
	return NotANumber, fmt.Sprintf("%q is not a phone number", raw)
}

// typeName maps libphonenumber's number type to a Type* constant.
func typeName(t phonenumbers.PhoneNumberType) string {
	switch t {
	case phonenumbers.FIXED_LINE:
		return TypeFixedLine
	case phonenumbers.MOBILE:
		return TypeMobile
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return TypeFixedLineOrMobile
	case phonenumbers.TOLL_FREE:
		return TypeTollFree
	case phonenumbers.PREMIUM_RATE:
		return TypePremiumRate
	case phonenumbers.SHARED_COST:
		return TypeSharedCost
	case phonenumbers.VOIP:
		return TypeVoIP
	case phonenumbers.PERSONAL_NUMBER:
		return TypePersonalNumber
	case phonenumbers.PAGER:
		return TypePager
	case phonenumbers.UAN:
		return TypeUAN
	case phonenumbers.VOICEMAIL:
		return TypeVoicemail
	}
	return TypeUnknown
}
