package redact

import "testing"

func TestMasks(t *testing.T) {
	tests := []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"phone", Phone, "+15551234567", "+1555***4567"},
		{"phone from the README", Phone, "+14155550123", "+1415***0123"},
		{"long international phone", Phone, "+447911123456", "+4479***3456"},
		{"11 characters keep 2 and 2", Phone, "14155550123", "14***23"},
		{"10 characters keep 2 and 2", Phone, "4155550123", "41***23"},
		{"9 characters keep 2 and 2", Phone, "555012345", "55***45"},
		{"8 characters masked whole", Phone, "55501234", "********"},
		{"short phone", Phone, "12345", "*****"},
		{"empty phone", Phone, "", ""},
		{"email", Email, "ada@example.com", "a***@example.com"},
		{"not an email", Email, "ada", "***"},
		{"text with a phone", Text, `phone "(555) 123-4567" is not valid for US`, `phone "(555) ***4567" is not valid for US`},
		{"text with E.164", Text, "duplicate: phone +15551234567 is already on line 3", "duplicate: phone +1555***4567 is already on line 3"},
		{"text with an email", Text, `email "ada@example.com" is not an address`, `email "a***@example.com" is not an address`},
		{"text with a bare national number", Text, "phone 4155550123 is too short", "phone 41***23 is too short"},
		{"a phone with an extension", Text, "call +14155550123x12 now", "call +1415***0123x12 now"},
		{"a phone after a letter and a plus", Text, "tel+14155550123", "tel+1415***0123"},
		{"request ids stay", Text, "request_id=req_0eb90a7194381af2 id=c1234567", "request_id=req_0eb90a7194381af2 id=c1234567"},
		{"ids with digits after an underscore stay", Text, "call_3224253432a0efc", "call_3224253432a0efc"},
		{"two phones", Text, "+14155550123, +14155550124", "+1415***0123, +1415***0124"},
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
