package closest

import "testing"

func TestMatch(t *testing.T) {
	keys := []string{"source", "mapping", "phone", "fields", "first_name", "path"}
	tests := []struct {
		name, in, want string
		close          bool
	}{
		{"a swapped pair", "phnoe", "phone", true},
		{"a missing letter", "pth", "path", true},
		{"case and separators", "First Name", "first_name", true},
		{"a transposition", "feilds", "fields", true},
		{"nothing close", "webhook", "", false},
	}
	for _, tc := range tests {
		got, ok := Match(tc.in, keys)
		if ok != tc.close || (ok && got != tc.want) {
			t.Errorf("%s: Match(%q) = %q, %v; want %q, %v", tc.name, tc.in, got, ok, tc.want, tc.close)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"phone", "phnoe", 2},
	}
	for _, tc := range tests {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
