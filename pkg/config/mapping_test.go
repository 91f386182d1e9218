package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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
		{"only a document marker", "# a mapping\n---", "file is empty"},
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

// lineBreaks matches what YAML counts as a line break.
var lineBreaks = regexp.MustCompile("\r\n|[\r\n\u0085\u2028\u2029]")

// FuzzLoadMapping checks that every error from loading a mapping file is
// a *FileError naming the file, and that a positional error (the decoder
// found a line, or the YAML library's message has one) carries that line,
// one within the file, in the message's "file:line:" prefix.
func FuzzLoadMapping(f *testing.F) {
	f.Add(issueMapping)
	f.Add("fields: {first_name: {template: '{A} {B}'}, phone: {detect: [tel, mobile]}}")
	f.Add("key: a\nfields:\n  first_name: &x A\n  phone: *x\n")
	f.Add("fields:\n  first_name: {column: A, transform: [shout]}\n  phone: B\n")
	f.Add("fields:\r\n  first_name: A\r\n  mobile: B\r\n")
	f.Add("fields: [\n")
	f.Add("fields:\n  first_name: A\n")
	f.Add("---")
	const name = "fuzz/mapping.yaml"
	f.Fuzz(func(t *testing.T, body string) {
		_, err := parseMapping(name, []byte(body))
		if err == nil {
			return
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Path != name || !strings.HasPrefix(err.Error(), name+":") {
			t.Fatalf("error %q does not name the file %s", err, name)
		}
		var le *lineError
		derr := decodeBytes([]byte(body), &Mapping{})
		switch {
		case errors.As(derr, &le):
			lines := len(lineBreaks.FindAllStringIndex(body, -1)) + 1
			if fe.Line != le.line || le.line < 1 || le.line > lines {
				t.Fatalf("error %q: line %d, want line %d of %d", err, fe.Line, le.line, lines)
			}
			if prefix := fmt.Sprintf("%s:%d: ", name, le.line); !strings.HasPrefix(err.Error(), prefix) {
				t.Fatalf("error %q does not start with %q", err, prefix)
			}
		case fe.Line == 0 && yamlLine.MatchString(fe.Err.Error()):
			t.Fatalf("error %q has a line in its text but not in FileError.Line", err)
		}
	})
}
