package phone

import (
	"fmt"
	"strings"
)

// repairMessage describes, in one sentence, every repair that turned raw
// into e164. region is the region the cell was read for.
func repairMessage(raw string, c *cleaned, e164, region string) string {
	var b strings.Builder
	for i, r := range c.repairs[:c.nrep] {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(repairPhrase(r, raw, c, e164, region))
	}
	fmt.Fprintf(&b, ", giving %s", e164)
	return b.String()
}

// repairPhrase describes one repair.
func repairPhrase(r Reason, raw string, c *cleaned, e164, region string) string {
	switch r {
	case RepairedScientificNotation:
		return fmt.Sprintf("scientific notation %q expanded to %s", c.sci, c.digits[:min(c.n, maxDigits)])
	case RepairedTrailingZeroDecimal:
		return fmt.Sprintf("spreadsheet decimal suffix removed from %q", raw)
	case RepairedTelURI:
		return fmt.Sprintf("tel: URI %q reduced to its number", raw)
	case RepairedExtension:
		return fmt.Sprintf("extension %s split off %q", c.ext, raw)
	case RepairedVanity:
		return fmt.Sprintf("letters in %q converted to keypad digits", raw)
	case RepairedInternationalPrefix:
		return fmt.Sprintf("international dialing prefix in %q replaced by \"+\"", raw)
	case RepairedMissingPlus:
		if region == "" {
			return fmt.Sprintf("missing \"+\" restored on %q", raw)
		}
		return fmt.Sprintf("missing \"+\" restored: %q is not a valid number in %s but is valid as an international one", raw, region)
	}
	return string(r)
}
