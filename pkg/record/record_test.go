package record

import (
	"errors"
	"testing"
)

func TestHeader(t *testing.T) {
	h := NewHeader([]string{" First Name ", "PHONE", "phone", "E-mail"})
	tests := []struct {
		name    string
		lookup  string
		want    int
		wantHit bool
	}{
		{"exact", " First Name ", 0, true},
		{"case and space folded", "first   name", 0, true},
		{"first duplicate wins", "Phone", 1, true},
		{"missing", "Email", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := h.Index(tc.lookup)
			if ok != tc.wantHit || (ok && got != tc.want) {
				t.Fatalf("Index(%q) = %d, %v; want %d, %v", tc.lookup, got, ok, tc.want, tc.wantHit)
			}
		})
	}
	if got := h.Get(Row{Values: []string{"Ada"}}, "phone"); got != "" {
		t.Fatalf("Get on a short row = %q, want \"\"", got)
	}
}

func TestRowHashIsUnambiguous(t *testing.T) {
	if RowHash([]string{"ab", "c"}) == RowHash([]string{"a", "bc"}) {
		t.Fatal("length prefixes missing: different rows hash alike")
	}
	if RowHash([]string{"a", ""}) == RowHash([]string{"a"}) {
		t.Fatal("a trailing empty value must change the hash")
	}
}

func TestFingerprint(t *testing.T) {
	base := Contact{Key: "1", Phone: "+15551234567", FirstName: "Ada", Tags: []string{"a", "b"}, Metadata: map[string]string{"x": "1", "y": "2"}}
	same := base
	same.Key = "other key"
	same.Metadata = map[string]string{"y": "2", "x": "1"}
	if base.Fingerprint() != same.Fingerprint() {
		t.Fatal("key or metadata order changed the fingerprint")
	}
	tests := []struct {
		name   string
		change func(*Contact)
	}{
		{"phone", func(c *Contact) { c.Phone = "+15551234568" }},
		{"name moved between fields", func(c *Contact) { c.FirstName, c.LastName = "", "Ada" }},
		{"tag order", func(c *Contact) { c.Tags = []string{"b", "a"} }},
		{"metadata value", func(c *Contact) { c.Metadata = map[string]string{"x": "1", "y": "3"} }},
		{"metadata moved into tags", func(c *Contact) { c.Tags = nil; c.Metadata = map[string]string{"a": "b", "x": "1", "y": "2"} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.change(&c)
			if c.Fingerprint() == base.Fingerprint() {
				t.Fatal("fingerprint did not change")
			}
		})
	}
}

func TestRowError(t *testing.T) {
	cause := errors.New("want 3 fields, got 2")
	err := error(&RowError{Line: 12, Column: "Phone", Code: "field_count", Err: cause})
	if got := err.Error(); got != `line 12, column "Phone": want 3 fields, got 2` {
		t.Fatalf("Error() = %q", got)
	}
	re, ok := AsRowError(err)
	if !ok || re.Code != "field_count" || !errors.Is(err, cause) {
		t.Fatal("RowError does not unwrap")
	}
}
