package phone

import (
	"testing"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

func TestUnicodeDigit(t *testing.T) {
	t.Run("every Nd range is whole runs of ten", func(t *testing.T) {
		for _, rg := range unicode.Nd.R16 {
			if rg.Stride != 1 || (rg.Hi-rg.Lo+1)%10 != 0 {
				t.Errorf("range %+v", rg)
			}
		}
		for _, rg := range unicode.Nd.R32 {
			if rg.Stride != 1 || (rg.Hi-rg.Lo+1)%10 != 0 {
				t.Errorf("range %+v", rg)
			}
		}
	})
	tests := []struct {
		name string
		r    rune
		want byte
	}{
		{name: "fullwidth seven", r: '\uff17', want: 7},
		{name: "Arabic-Indic three", r: '\u0663', want: 3},
		{name: "Persian nine", r: '\u06f9', want: 9},
		{name: "Devanagari zero", r: '\u0966', want: 0},
		{name: "Thai five", r: '\u0e55', want: 5},
		{name: "mathematical bold two", r: '\U0001d7d0', want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k, d := runeKind(tt.r); k != kindDigit || d != tt.want {
				t.Fatalf("runeKind(%U) = %d, %d; want digit %d", tt.r, k, d, tt.want)
			}
		})
	}
}

// TestHopelessNeverHidesValidNumbers backs the shortcut in reading.read:
// no example number of any type in any region is valid yet hopeless.
func TestHopelessNeverHidesValidNumbers(t *testing.T) {
	for region := range phonenumbers.GetSupportedRegions() {
		for typ := phonenumbers.FIXED_LINE; typ < phonenumbers.UNKNOWN; typ++ {
			num := phonenumbers.GetExampleNumberForType(region, typ)
			if num == nil || !phonenumbers.IsValidNumber(num) {
				continue
			}
			if v := phonenumbers.IsPossibleNumberWithReason(num); hopeless(v) {
				t.Errorf("%s example %v is valid but its length verdict is %v", region, num.GetNationalNumber(), v)
			}
		}
	}
}
