package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const issueMapping = `key: [Record ID]
fields:
  first_name: First Name
  last_name: Last Name
  phone: [Mobile Phone Number, Phone Number]
  email: {column: Email, transform: [trim, lower]}
  company: Company Name
  title: {column: Job Title, transform: [collapse_spaces, {default: "Customer"}]}
  tags: {value: [crm, nightly]}
  metadata: {crm_id: Record ID, owner: Contact owner}
region_column: Country/Region
`

func TestLoadMapping(t *testing.T) {
	m, err := LoadMapping(writeFile(t, "hubspot.yaml", issueMapping))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual([]string(m.Key), []string{"Record ID"}) || m.RegionColumn.Column != "Country/Region" || m.Name() != "hubspot" {
		t.Fatalf("mapping = %+v", m)
	}
	f := m.Fields
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"phone columns", f.Specs["phone"].Columns, []string{"Mobile Phone Number", "Phone Number"}},
		{"email transforms", f.Specs["email"].Transforms, []Transform{{Name: "trim"}, {Name: "lower"}}},
		{"title default", f.Specs["title"].Transforms, []Transform{{Name: "collapse_spaces"}, {Name: "default", Arg: "Customer"}}},
		{"tags value", f.Specs["tags"].Value, []string{"crm", "nightly"}},
		{"metadata order", f.MetadataOrder, []string{"crm_id", "owner"}},
		{"metadata column", f.Metadata["owner"].Columns, []string{"Contact owner"}},
		{"spec line", f.Specs["email"].Line, 6},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestLoadMappingErrors(t *testing.T) {
	t.Setenv("ALEXSYNC_TEST_UNSET", "")
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty file", "", "file is empty"},
		{"not a mapping", "- a\n- b\n", ":1: want a mapping"},
		{"unknown top key", "fields: {first_name: A, phone: B}\nregion: X\n", `:2: unknown key "region"`},
		{"unknown contact field", "fields:\n  first_name: A\n  phone: B\n  mobile: C\n", `:4: unknown contact field "mobile"`},
		{"unknown spec key", "fields:\n  first_name: {col: A}\n  phone: B\n", `:2: unknown key "col" in a field`},
		{"unknown transform", "fields:\n  first_name: {column: A, transform: [shout]}\n  phone: B\n", `:2: unknown transform "shout"`},
		{"two sources", "fields:\n  first_name: {column: A, value: x}\n  phone: B\n", ":2: a field takes exactly one of"},
		{"missing phone", "fields:\n  first_name: A\n", "phone is required"},
		{"unset variable", "fields:\n  first_name: ${ALEXSYNC_TEST_UNSET}\n  phone: B\n", ":2: environment variable ALEXSYNC_TEST_UNSET is not set"},
		{"bad yaml", "fields: [\n", "did not find expected"},
		{"argument on a plain transform", "fields:\n  first_name: {column: A, transform: [{lower: x}]}\n  phone: B\n", `transform "lower" takes no argument`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadMapping(writeFile(t, "m.yaml", tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadMapping error = %v, want it to contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "m.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
		})
	}
}

func TestEnvExpansion(t *testing.T) {
	t.Setenv("ALEXSYNC_TEST_COL", "Mobile")
	m, err := LoadMapping(writeFile(t, "m.yaml", "fields:\n  first_name: ${ALEXSYNC_TEST_NOPE:-Given Name}\n  phone: ${ALEXSYNC_TEST_COL} Phone\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Fields.Specs["phone"].Columns[0]; got != "Mobile Phone" {
		t.Fatalf("phone column = %q", got)
	}
	if got := m.Fields.Specs["first_name"].Columns[0]; got != "Given Name" {
		t.Fatalf("first_name column = %q", got)
	}
}

func FuzzLoadMapping(f *testing.F) {
	f.Add(issueMapping)
	f.Add("fields: {first_name: {template: '{A} {B}'}, phone: {detect: [tel, mobile]}}")
	f.Add("key: a\nfields:\n  first_name: &x A\n  phone: *x\n")
	f.Fuzz(func(t *testing.T, body string) {
		var m Mapping
		if err := decodeBytes([]byte(body), &m); err != nil {
			return
		}
		_ = m.validate()
	})
}
