package phone

import "strconv"

// repairMessage describes, in one sentence, every repair that turned raw
// into e164. region is the region the cell was read for. It is built in
// one buffer (a %q is strconv.AppendQuote), as it is written for every
// repaired row.
func repairMessage(raw string, c *cleaned, e164, region string) string {
	var buf [256]byte
	b := buf[:0]
	for i, r := range c.repairs[:c.nrep] {
		if i > 0 {
			b = append(b, "; "...)
		}
		b = appendRepairPhrase(b, r, raw, c, region)
	}
	b = append(b, ", giving "...)
	b = append(b, e164...)
	return string(b)
}

// appendRepairPhrase appends the description of one repair to b.
func appendRepairPhrase(b []byte, r Reason, raw string, c *cleaned, region string) []byte {
	switch r {
	case RepairedScientificNotation:
		b = append(b, "scientific notation "...)
		b = strconv.AppendQuote(b, c.sci)
		b = append(b, " expanded to "...)
		return append(b, c.digits[:min(c.n, maxDigits)]...)
	case RepairedTrailingZeroDecimal:
		b = append(b, "spreadsheet decimal suffix removed from "...)
		return strconv.AppendQuote(b, raw)
	case RepairedTelURI:
		b = append(b, "tel: URI "...)
		b = strconv.AppendQuote(b, raw)
		return append(b, " reduced to its number"...)
	case RepairedExtension:
		b = append(b, "extension "...)
		b = append(b, c.ext...)
		b = append(b, " split off "...)
		return strconv.AppendQuote(b, raw)
	case RepairedVanity:
		b = append(b, "letters in "...)
		b = strconv.AppendQuote(b, raw)
		return append(b, " converted to keypad digits"...)
	case RepairedInternationalPrefix:
		b = append(b, "international dialing prefix in "...)
		b = strconv.AppendQuote(b, raw)
		return append(b, ` replaced by "+"`...)
	case RepairedMissingPlus:
		b = append(b, `missing "+" restored`...)
		if region == "" {
			b = append(b, " on "...)
			return strconv.AppendQuote(b, raw)
		}
		b = append(b, ": "...)
		b = strconv.AppendQuote(b, raw)
		b = append(b, " is not a valid number in "...)
		b = append(b, region...)
		return append(b, " but is valid as an international one"...)
	}
	return append(b, r...)
}
