package phone

import (
	"regexp"
	"slices"
	"testing"
)

// tc is one named case of a reason table.
type tc struct {
	name    string
	raw     string
	region  string   // row region; "" = the normalizer's default
	e164    string   // expected E164; "" for rejections
	repairs []Reason // expected Repairs, nil when none
	ext     string   // expected Extension
	typ     string   // expected Type; checked only when set
	where   string   // expected Region; checked only when set
}

// allCases collects every table's inputs to seed FuzzNormalize.
var allCases [][]tc

// register records a table for the fuzz seed corpus and returns it.
func register(cases []tc) []tc {
	allCases = append(allCases, cases)
	return cases
}

func mustNew(t testing.TB, opts Options) *Normalizer {
	t.Helper()
	n, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	return n
}

// runTable checks every case of a table. For a repair table, want must be
// among each case's repairs and Reason must be the first of them; for
// any other table Reason must be want.
func runTable(t *testing.T, n *Normalizer, want Reason, cases []tc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reason := want
			if want.IsRepair() {
				if !slices.Contains(c.repairs, want) {
					t.Fatalf("bad case: repairs %v lack %s", c.repairs, want)
				}
				reason = c.repairs[0]
			}
			got := n.Normalize(c.raw, c.region)
			if got.Reason != reason || got.E164 != c.e164 {
				t.Fatalf("Normalize(%q, %q) = %s %q (%s), want %s %q", c.raw, c.region, got.Reason, got.E164, got.Message, reason, c.e164)
			}
			if !slices.Equal(got.Repairs, c.repairs) {
				t.Errorf("Repairs = %v, want %v", got.Repairs, c.repairs)
			}
			if got.Extension != c.ext {
				t.Errorf("Extension = %q, want %q", got.Extension, c.ext)
			}
			if c.typ != "" && got.Type != c.typ {
				t.Errorf("Type = %q, want %q", got.Type, c.typ)
			}
			if c.where != "" && got.Region != c.where {
				t.Errorf("Region = %q, want %q", got.Region, c.where)
			}
			checkInvariants(t, n, c.raw, c.region, got)
		})
	}
}

// checkInvariants asserts what holds for every Result, whatever the input.
func checkInvariants(t testing.TB, n *Normalizer, raw, region string, got Result) {
	t.Helper()
	if (got.Reason == OK) != (got.Message == "") {
		t.Errorf("Normalize(%q): Reason %s with Message %q", raw, got.Reason, got.Message)
	}
	if !got.OK() {
		if !got.Reason.IsRejection() || got.Type != "" || got.Region != "" {
			t.Errorf("Normalize(%q) rejected with %+v", raw, got)
		}
		return
	}
	if !isE164(got.E164) {
		t.Errorf("Normalize(%q).E164 = %q, not E.164", raw, got.E164)
	}
	if got.Reason != OK && (len(got.Repairs) == 0 || got.Reason != got.Repairs[0] || !got.Reason.IsRepair()) {
		t.Errorf("Normalize(%q): Reason %s, Repairs %v", raw, got.Reason, got.Repairs)
	}
	if got.Reason == OK && len(got.Repairs) != 0 {
		t.Errorf("Normalize(%q): Reason ok with Repairs %v", raw, got.Repairs)
	}
	again := n.Normalize(got.E164, region)
	if again.E164 != got.E164 || again.Reason != OK {
		t.Errorf("Normalize(%q) = %q, but re-normalizing it gives %s %q", raw, got.E164, again.Reason, again.E164)
	}
}

// e164Pattern is the shape every accepted number must have.
var e164Pattern = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)

func isE164(s string) bool { return e164Pattern.MatchString(s) }
