package redact

import "testing"

func TestMasks(t *testing.T) {
	tests := []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"phone", Phone, "+15551234567", "+155***4567"},
		{"short phone", Phone, "12345", "*****"},
		{"email", Email, "ada@example.com", "a***@example.com"},
		{"not an email", Email, "ada", "***"},
		{"text with a phone", Text, `phone "(555) 123-4567" is not valid for US`, `phone "(555)***4567" is not valid for US`},
		{"text with E.164", Text, "duplicate: phone +15551234567 is already on line 3", "duplicate: phone +155***4567 is already on line 3"},
		{"text with an email", Text, `email "ada@example.com" is not an address`, `email "a***@example.com" is not an address`},
		{"short numbers stay", Text, "line 12, column 3: want 5 fields", "line 12, column 3: want 5 fields"},
		{"dates stay readable enough", Text, "on 2026-01-15", "on 2026-01-15"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f(tc.in); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
