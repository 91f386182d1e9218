package phone

import (
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestRegion(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{name: "upper-case code", in: "GB", want: "GB", ok: true},
		{name: "lower-case code", in: "gb", want: "GB", ok: true},
		{name: "mixed-case code", in: "Gb", want: "GB", ok: true},
		{name: "padded code", in: " de ", want: "DE", ok: true},
		{name: "alpha-3", in: "DEU", want: "DE", ok: true},
		{name: "alpha-3 lower case", in: "usa", want: "US", ok: true},
		{name: "UK", in: "UK", want: "GB", ok: true},
		{name: "United Kingdom", in: "United Kingdom", want: "GB", ok: true},
		{name: "England", in: "england", want: "GB", ok: true},
		{name: "Great Britain", in: "Great Britain", want: "GB", ok: true},
		{name: "Germany", in: "Germany", want: "DE", ok: true},
		{name: "Deutschland", in: "Deutschland", want: "DE", ok: true},
		{name: "USA", in: "USA", want: "US", ok: true},
		{name: "U.S.A.", in: "U.S.A.", want: "US", ok: true},
		{name: "United States", in: "united states", want: "US", ok: true},
		{name: "United States of America", in: "United States of America", want: "US", ok: true},
		{name: "the Netherlands", in: "The Netherlands", want: "NL", ok: true},
		{name: "Netherlands, The", in: "Netherlands, The", want: "NL", ok: true},
		{name: "France", in: "FRANCE", want: "FR", ok: true},
		{name: "India", in: "India", want: "IN", ok: true},
		{name: "Brazil", in: "Brazil", want: "BR", ok: true},
		{name: "Brasil", in: "Brasil", want: "BR", ok: true},
		{name: "Australia", in: "Australia", want: "AU", ok: true},
		{name: "accented", in: "Côte d’Ivoire", want: "CI", ok: true},
		{name: "accents dropped", in: "Cote d'Ivoire", want: "CI", ok: true},
		{name: "Curaçao", in: "Curacao", want: "CW", ok: true},
		{name: "St. abbreviation", in: "St. Lucia", want: "LC", ok: true},
		{name: "ampersand", in: "Trinidad & Tobago", want: "TT", ok: true},
		{name: "Korea, Republic of", in: "Korea, Republic of", want: "KR", ok: true},
		{name: "Türkiye", in: "Türkiye", want: "TR", ok: true},
		{name: "hyphenated", in: "Guinea-Bissau", want: "GW", ok: true},
		{name: "empty", in: "", ok: false},
		{name: "unknown code", in: "XX", ok: false},
		{name: "unknown name", in: "Narnia", ok: false},
		{name: "non-geographic code", in: "001", ok: false},
		{name: "very long", in: strings.Repeat("a", 200), ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Region(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Region(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestRegionNamesCoverSupportedRegions keeps the name table in step with
// the regions libphonenumber supports.
func TestRegionNamesCoverSupportedRegions(t *testing.T) {
	named := map[string]bool{}
	for line := range strings.Lines(regionNames) {
		fields := strings.Split(strings.TrimSpace(line), "|")
		if len(fields) < 3 {
			t.Errorf("line %q has no name", line)
			continue
		}
		if named[fields[0]] {
			t.Errorf("%s listed twice", fields[0])
		}
		named[fields[0]] = true
		for _, name := range fields[1:] {
			if name == "-" {
				continue
			}
			if got, ok := Region(name); !ok || got != fields[0] {
				t.Errorf("Region(%q) = %q, %v; want %s", name, got, ok, fields[0])
			}
		}
	}
	for code := range phonenumbers.GetSupportedRegions() {
		if !named[code] {
			t.Errorf("supported region %s has no English name", code)
		}
	}
}
