package mapping

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/record"
)

func load(t *testing.T, body string) *config.Mapping {
	t.Helper()
	p := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := config.LoadMapping(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTransforms(t *testing.T) {
	header := []string{"Full Name", "First", "Last", "Email", "Title", "Tags"}
	row := record.Row{Line: 2, Values: []string{"  van der Berg,  Mary Ann ", "  ada  ", "LOVELACE", " Ada@Example.COM ", "chief   engineer", "vip; crm , vip,"}}
	tests := []struct {
		name  string
		field string
		spec  string
		want  string
	}{
		{"values are trimmed", "first_name", "First", "ada"},
		{"lower", "email", "{column: Email, transform: lower}", "ada@example.com"},
		{"upper", "last_name", "{column: First, transform: [upper]}", "ADA"},
		{"title", "last_name", "{column: Last, transform: [title]}", "Lovelace"},
		{"collapse_spaces", "title", "{column: Title, transform: [collapse_spaces]}", "chief engineer"},
		{"title after collapse", "title", "{column: Title, transform: [collapse_spaces, title]}", "Chief Engineer"},
		{"split_name first from 'Last, First'", "first_name", "{column: Full Name, transform: [split_name]}", "Mary Ann"},
		{"split_name last from 'Last, First'", "last_name", "{column: Full Name, transform: [split_name]}", "van der Berg"},
		{"default on empty", "company", "{column: Email, transform: [{template: '{value}x'}, {default: Acme}]}", "Ada@Example.COMx"},
		{"default key", "company", "{value: '', default: Acme}", "Acme"},
		{"template field", "title", "{template: '{First} {Last} <{Email}>'}", "ada LOVELACE <Ada@Example.COM>"},
		{"template transform", "title", "{column: Last, transform: [title, {template: 'Dr. {value}'}]}", "Dr. Lovelace"},
		{"constant", "company", "{value: Bright Dental}", "Bright Dental"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := "fields:\n  phone: Tags\n  " + tc.field + ": " + tc.spec + "\n"
			if tc.field != "first_name" {
				body += "  first_name: First\n"
			}
			mp, _, err := Compile(load(t, body), header)
			if err != nil {
				t.Fatal(err)
			}
			got, rerr := mp.Apply(row)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if v := *stringField(&got.Contact, tc.field); v != tc.want {
				t.Fatalf("%s = %q, want %q", tc.field, v, tc.want)
			}
		})
	}
}

func TestTagsAndMetadata(t *testing.T) {
	header := []string{"Name", "Phone", "Tags", "Owner", "ID"}
	m := load(t, `key: ID
fields:
  first_name: Name
  phone: Phone
  tags: Tags
  metadata: {owner: Owner, crm_id: ID, empty: {column: Tags, transform: [{template: ''}]}}
region_column: Owner
`)
	mp, _, err := Compile(m, header)
	if err != nil {
		t.Fatal(err)
	}
	got, rerr := mp.Apply(record.Row{Line: 5, Values: []string{"Ada", "555", "vip; crm , vip,", "Bob", "42"}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	want := record.Contact{Key: "42", FirstName: "Ada", Phone: "555", Tags: []string{"vip", "crm"}, Metadata: map[string]string{"owner": "Bob", "crm_id": "42"}}
	if !reflect.DeepEqual(got.Contact, want) || got.Region != "Bob" || got.Key != "42" {
		t.Fatalf("got %+v region %q, want %+v", got.Contact, got.Region, want)
	}
	if _, rerr := mp.Apply(record.Row{Line: 6, Values: []string{"Ada", "555", "", "", ""}}); rerr == nil || rerr.Code != "missing_key" || rerr.Line != 6 {
		t.Fatalf("empty key = %v, want a missing_key row error on line 6", rerr)
	}
}

func TestAlternativesAndDetect(t *testing.T) {
	header := []string{"Given_Name", "Mobile Phone Number", "Phone Number"}
	m := load(t, "fields:\n  first_name: {detect: [first name, firstname, given name]}\n  phone: [Mobile Phone Number, Phone Number, Work Phone]\n")
	mp, warnings, err := Compile(m, header)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"Work Phone"`) {
		t.Fatalf("warnings = %q, want one about Work Phone", warnings)
	}
	got, _ := mp.Apply(record.Row{Values: []string{"Ada", "", "+15551234567"}})
	if got.Contact.FirstName != "Ada" || got.Contact.Phone != "+15551234567" {
		t.Fatalf("got %+v: want the detected name and the first non-empty phone", got.Contact)
	}
	if !reflect.DeepEqual(mp.PhoneColumns(), []string{"Mobile Phone Number", "Phone Number"}) {
		t.Fatalf("PhoneColumns = %q", mp.PhoneColumns())
	}
}

// loadInline writes body as the inline mapping of pipeline file p3.yaml,
// from its line 4 on, and returns the mapping and the pipeline's path.
func loadInline(t *testing.T, body string) (*config.Mapping, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "p3.yaml")
	pipeline := "source: {type: csv, path: c.csv}\nphone: {default_region: US}\nmapping:\n  " +
		strings.ReplaceAll(strings.TrimSuffix(body, "\n"), "\n", "\n  ") + "\n"
	if err := os.WriteFile(p, []byte(pipeline), 0o600); err != nil {
		t.Fatal(err)
	}
	pl, err := config.LoadPipeline(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := pl.LoadMapping()
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != "" || m.Name() != "inline" {
		t.Fatalf("inline mapping has Path %q, Name %q; want \"\", \"inline\"", m.Path, m.Name())
	}
	return m, pl.Path
}

func TestCompileErrors(t *testing.T) {
	header := []string{"First Name", "Last Name", "Phone Number", "Email Address"}
	tests := []struct {
		name   string
		inline bool // the mapping is written in a pipeline file, from its line 4
		body   string
		want   []string
	}{
		{"typo suggests the closest header", false, "fields:\n  first_name: First Nmae\n  phone: Phone Number\n", []string{`m.yaml:2: first_name: column "First Nmae" is not in the source; did you mean "First Name"?`}},
		{"far off lists the columns", false, "fields:\n  first_name: First Name\n  phone: Telefon zentral\n", []string{`column "Telefon zentral" is not in the source (columns: "First Name", "Last Name", "Phone Number", "Email Address")`}},
		{"no alternative exists", false, "fields:\n  first_name: First Name\n  phone: [Mobile, Cell]\n", []string{`none of the columns "Mobile", "Cell" is in the source`}},
		{"detect finds nothing", false, "fields:\n  first_name: {detect: [given name]}\n  phone: Phone Number\n", []string{"first_name: no column looks like it (tried given name); name the column in the mapping (columns: "}},
		{"template column", false, "fields:\n  first_name: {template: '{First} {Last Name}'}\n  phone: Phone Number\n", []string{"template column {First} is not in the source"}},
		{"key and region", false, "key: [Record ID]\nregion_column: Country\nfields:\n  first_name: First Name\n  phone: Phone Number\n", []string{`key: column "Record ID"`, `region_column: column "Country"`}},
		{"several at once", false, "fields:\n  first_name: Frist Name\n  phone: Phone\n  email: Emial Address\n", []string{"first_name:", "phone:", "email:"}},
		{"inline: the pipeline file and its line", true, "fields:\n  first_name: First Nmae\n  phone: Phone Number\n", []string{`p3.yaml:5: first_name: column "First Nmae" is not in the source; did you mean "First Name"?`}},
		{"inline: a template column", true, "fields:\n  first_name: First Name\n  phone: Phone Number\n  title: {template: '{Role}'}\n", []string{`p3.yaml:7: title: template column {Role} is not in the source`}},
		{"inline: key without a line", true, "key: Record ID\nfields: {first_name: First Name, phone: Phone Number}\n", []string{`p3.yaml: key: column "Record ID"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m *config.Mapping
			var file string
			if tc.inline {
				m, file = loadInline(t, tc.body)
			} else {
				m = load(t, tc.body)
			}
			_, _, err := Compile(m, header)
			if err == nil {
				t.Fatal("Compile succeeded")
			}
			if tc.inline && !strings.HasPrefix(err.Error(), file+":") {
				t.Fatalf("error %q does not start with the pipeline file %s", err, file)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "no column for") && tc.name == "detect finds nothing" {
				t.Fatalf("error %q says it twice", err)
			}
		})
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"Ada Lovelace", "Ada", "Lovelace"},
		{"Lovelace, Ada", "Ada", "Lovelace"},
		{"  Mary  Ann   Smith ", "Mary Ann", "Smith"},
		{"Ludwig van Beethoven", "Ludwig", "van Beethoven"},
		{"Cher", "Cher", ""},
		{"", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			f, l := SplitName(tc.in)
			if f != tc.first || l != tc.last {
				t.Fatalf("SplitName(%q) = %q, %q; want %q, %q", tc.in, f, l, tc.first, tc.last)
			}
		})
	}
}

func TestTitleCase(t *testing.T) {
	for in, want := range map[string]string{"o'neil-SMITH": "O'Neil-Smith", "ÉLODIE durand": "Élodie Durand", "mary ann": "Mary Ann", "": ""} {
		if got := titleCase(in); got != want {
			t.Errorf("titleCase(%q) = %q, want %q", in, got, want)
		}
	}
}
