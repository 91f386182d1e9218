package phone

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// allPatterns returns every pattern meta.go compiles, over all of
// phonenumbers' metadata, without duplicates and in a fixed order.
func allPatterns(t testing.TB) []string {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, md := range coll.GetMetadata() {
		for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetGeneralDesc(), md.GetPremiumRate(), md.GetTollFree(),
			md.GetSharedCost(), md.GetVoip(), md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail(),
			md.GetFixedLine(), md.GetMobile()} {
			add("^(?:" + d.GetNationalNumberPattern() + ")$")
		}
		add("^(?:" + md.GetInternationalPrefix() + ")")
		if ld := md.GetLeadingDigits(); ld != "" {
			add("^(?:" + ld + ")")
		}
		if np := md.GetNationalPrefixForParsing(); np != "" {
			add("^(?:" + np + ")")
		}
	}
	return out
}

// digitStrings returns the strings a matcher is tested on: every string
// of up to three digits, random ones up to 20 digits, and the example
// numbers of every region, whole, cut and extended.
func digitStrings(random int) []string {
	out := []string{""}
	for n := 1; n <= 3; n++ {
		for i := 0; i < pow10(n); i++ {
			b := make([]byte, n)
			for j, v := n-1, i; j >= 0; j, v = j-1, v/10 {
				b[j] = '0' + byte(v%10)
			}
			out = append(out, string(b))
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range random {
		b := make([]byte, 1+rng.IntN(20))
		for i := range b {
			b[i] = '0' + byte(rng.IntN(10))
		}
		out = append(out, string(b))
	}
	for r := range phonenumbers.GetSupportedRegions() {
		for _, typ := range numberTypes {
			if ex := phonenumbers.GetExampleNumberForType(r, typ); ex != nil {
				nsn := phonenumbers.GetNationalSignificantNumber(ex)
				out = append(out, nsn, nsn[:len(nsn)-1], nsn+"0", "0"+nsn, "1"+nsn)
			}
		}
	}
	return out
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// TestMatcherIsRegexp holds every pattern's DFA to the regexp's answers.
func TestMatcherIsRegexp(t *testing.T) {
	patterns := allPatterns(t)
	random := 300
	if testing.Short() || raceEnabled {
		random = 30
	}
	inputs := digitStrings(random)
	inputs = append(inputs, "12a", "+123", "1 2", "٣٤٥")
	withDFA, states := 0, 0
	for _, p := range patterns {
		m := newMatcher(regexp.MustCompile(p))
		if m.dfa != nil {
			withDFA++
			states += len(m.dfa.now)
		}
		for _, s := range inputs {
			if got, want := m.MatchString(s), m.re.MatchString(s); got != want {
				t.Fatalf("pattern %s on %q: matcher %t, regexp %t", p, s, got, want)
			}
		}
	}
	t.Logf("%d patterns, %d with a DFA (%d states in all), %d inputs each", len(patterns), withDFA, states, len(inputs))
	if withDFA < len(patterns)*9/10 {
		t.Errorf("only %d of %d patterns have a DFA", withDFA, len(patterns))
	}
}

// TestMatcherAssertions covers patterns that are not libphonenumber's:
// unanchored, with $ only, with word boundaries, with an empty match.
func TestMatcherAssertions(t *testing.T) {
	for _, p := range []string{`^(?:)`, `^(?:)$`, `^$`, `12`, `^1\b`, `^(?:1|12)$`, `^\d*$`, `^(?:1(?:2|$))`, `^(?:0|$)`, `(?m)^1$`, `^(?:[0-4]{2,3}|5+)$`, `^(?i:1)`, `^(?:1^2|3)`, `^1(?:^|2)$`, `^1(?:$|2)3`} {
		m := newMatcher(regexp.MustCompile(p))
		for _, s := range append(digitStrings(50), "1\n2", "a1") {
			if got, want := m.MatchString(s), m.re.MatchString(s); got != want {
				t.Fatalf("pattern %s on %q: matcher %t, regexp %t", p, s, got, want)
			}
		}
	}
}

func FuzzMatcherIsRegexp(f *testing.F) {
	patterns := allPatterns(f)
	matchers := make([]*matcher, len(patterns))
	f.Add(uint16(0), "2015550123")
	f.Add(uint16(7), "07400123456")
	f.Fuzz(func(t *testing.T, i uint16, s string) {
		k := int(i) % len(patterns)
		if matchers[k] == nil {
			matchers[k] = newMatcher(regexp.MustCompile(patterns[k]))
		}
		m := matchers[k]
		if got, want := m.MatchString(s), m.re.MatchString(s); got != want {
			t.Fatalf("pattern %s on %q: matcher %t, regexp %t", patterns[k], s, got, want)
		}
	})
}
