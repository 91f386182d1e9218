package phone

// Reason is a stable, machine-readable code that says why a number was
// accepted as it was, which repair was applied, or why it was rejected.
// Reasons are written to the rejects file and to run summaries, so their
// string values never change.
type Reason string

// Accepted as written.
const (
	// OK means the number was accepted without any repair.
	OK Reason = "ok"
)

// Repairs: the number was accepted after a change the Message describes.
const (
	// RepairedScientificNotation means a spreadsheet had turned the number
	// into scientific notation ("1.5551234567E+10") and it was expanded.
	RepairedScientificNotation Reason = "repaired_scientific_notation"
	// RepairedTrailingZeroDecimal means a spreadsheet float suffix such as
	// ".0" was removed ("15551234567.0").
	RepairedTrailingZeroDecimal Reason = "repaired_trailing_zero_decimal"
	// RepairedMissingPlus means the digits were not a valid number for the
	// region but were valid as an international number once a leading "+"
	// was restored ("447911123456" in a US file).
	RepairedMissingPlus Reason = "repaired_missing_plus"
	// RepairedInternationalPrefix means an international dialing prefix
	// ("00", "011", ...) was replaced by "+".
	RepairedInternationalPrefix Reason = "repaired_international_prefix"
	// RepairedTelURI means a "tel:" URI (RFC 3966) was reduced to its number.
	RepairedTelURI Reason = "repaired_tel_uri"
	// RepairedExtension means an extension ("x123", "ext. 123", ";ext=123")
	// was split off into Result.Extension.
	RepairedExtension Reason = "repaired_extension"
	// RepairedVanity means letters ("1-800-FLOWERS") were converted to
	// keypad digits; only applied when Options.AllowVanity is set.
	RepairedVanity Reason = "repaired_vanity"
)

// Rejections: Result.E164 is empty and the Message says what was wrong.
const (
	// InvalidNumber means the input could not be read as one valid number:
	// an impossible length for its country, an unknown country calling
	// code, several numbers in one cell, or digits lost to a spreadsheet.
	InvalidNumber Reason = "invalid_number"
	// InvalidForRegion means the number has a plausible length but lies in
	// no numbering range of its region, or no region was known to read a
	// number written without a country code.
	InvalidForRegion Reason = "invalid_for_region"
	// TooShort means the number has too few digits, including local
	// numbers that lack an area code.
	TooShort Reason = "too_short"
	// TooLong means the number has too many digits.
	TooLong Reason = "too_long"
	// NotANumber means the input contains letters or symbols that are not
	// part of a phone number.
	NotANumber Reason = "not_a_number"
	// Missing means the cell was empty, blank, or a placeholder such as
	// "n/a", "-", "none", "null" or "0".
	Missing Reason = "missing"
)

// IsRepair reports whether r is one of the Repaired* codes.
func (r Reason) IsRepair() bool {
	switch r {
	case RepairedScientificNotation, RepairedTrailingZeroDecimal,
		RepairedMissingPlus, RepairedInternationalPrefix, RepairedTelURI,
		RepairedExtension, RepairedVanity:
		return true
	}
	return false
}

// IsRejection reports whether r is one of the rejection codes.
func (r Reason) IsRejection() bool {
	switch r {
	case InvalidNumber, InvalidForRegion, TooShort, TooLong, NotANumber, Missing:
		return true
	}
	return false
}

// Number types reported in Result.Type, as classified by libphonenumber.
const (
	// TypeFixedLine is a landline.
	TypeFixedLine = "fixed_line"
	// TypeMobile is a mobile number.
	TypeMobile = "mobile"
	// TypeFixedLineOrMobile is a number whose plan does not tell the two
	// apart, as in the US and Canada.
	TypeFixedLineOrMobile = "fixed_line_or_mobile"
	// TypeTollFree is a free-to-caller number such as 1-800.
	TypeTollFree = "toll_free"
	// TypePremiumRate is a premium-rate number.
	TypePremiumRate = "premium_rate"
	// TypeSharedCost is a number whose cost is shared with the callee.
	TypeSharedCost = "shared_cost"
	// TypeVoIP is a voice-over-IP number.
	TypeVoIP = "voip"
	// TypePersonalNumber is a number routed to wherever its owner is.
	TypePersonalNumber = "personal_number"
	// TypePager is a pager number.
	TypePager = "pager"
	// TypeUAN is a universal access (company) number.
	TypeUAN = "uan"
	// TypeVoicemail is a voicemail access number.
	TypeVoicemail = "voicemail"
	// TypeUnknown is a number accepted by AcceptPossible that matches no
	// known range.
	TypeUnknown = "unknown"
)

// Result is the outcome of normalizing one raw value.
type Result struct {
	// E164 is the number in E.164 form ("+14155550123"); "" when rejected.
	E164 string
	// Reason is OK, the first repair applied, or the rejection code.
	Reason Reason
	// Repairs lists every repair applied, in order. On a rejection it
	// holds the repairs made before the number was found unusable.
	Repairs []Reason
	// Type is one of the Type* constants; "" when rejected.
	Type string
	// Extension holds the digits of an extension that was split off; it is
	// never part of E164 (callers store it as metadata phone_ext). It is
	// "" when rejected.
	Extension string
	// Region is the ISO 3166 alpha-2 region the number belongs to, "001"
	// for non-geographic numbers, "" when rejected or unknown.
	Region string
	// Message is one sentence for people saying what was repaired or what
	// was wrong; "" when Reason is OK. It quotes the raw value, so it
	// belongs in the rejects file, never in logs.
	Message string
}

// OK reports whether the number was accepted (E164 is set).
func (r Result) OK() bool { return r.E164 != "" }
