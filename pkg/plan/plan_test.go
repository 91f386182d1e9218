package plan

import "testing"

func TestLookup(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Plan
		wantErr bool
	}{
		{"empty is the default", "", Plan{"professional", 60, 10_000, 1_000}, false},
		{"professional", "professional", Plan{"professional", 60, 10_000, 1_000}, false},
		{"dental upper case", "DENTAL", Plan{"dental", 300, 50_000, 5_000}, false},
		{"real estate with a dash", "real-estate", Plan{"real_estate", 600, 100_000, 50_000}, false},
		{"unknown", "enterprise", Plan{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Lookup(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Lookup(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("Lookup(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}
