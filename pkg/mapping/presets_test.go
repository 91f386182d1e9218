package mapping

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/record"
)

// TestPresets applies every shipped mapping to the header of a real
// export of its CRM and checks one row end to end.
func TestPresets(t *testing.T) {
	tests := []struct {
		preset string
		header []string
		row    []string
		want   record.Contact
		region string
	}{
		{
			preset: "hubspot",
			header: []string{"Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Company Name", "Job Title", "Contact owner", "Lifecycle Stage", "Country/Region", "Create Date"},
			row:    []string{"5101", "Ada", "Lovelace", "Ada@Example.com", "(555) 010-0000", "", "Analytical Engines", "Engineer", "Bob Smith", "Lead", "United Kingdom", "2026-01-02"},
			want: record.Contact{Key: "5101", FirstName: "Ada", LastName: "Lovelace", Phone: "(555) 010-0000", Email: "ada@example.com", Company: "Analytical Engines", Title: "Engineer",
				Tags: []string{"hubspot"}, Metadata: map[string]string{"crm_id": "5101", "owner": "Bob Smith", "lifecycle_stage": "Lead"}},
			region: "United Kingdom",
		},
		{
			preset: "salesforce",
			header: []string{"Contact Owner", "First Name", "Last Name", "Title", "Account Name", "Phone", "Mobile", "Email", "Mailing City", "Mailing Country", "Contact ID"},
			row:    []string{"Jane Roe", "Grace", "Hopper", "Rear Admiral", "US Navy", "+1 555 010 0001", "+1 555 010 0002", "grace@navy.example", "Arlington", "US", "0035g00000AbCdE"},
			want: record.Contact{Key: "0035g00000AbCdE", FirstName: "Grace", LastName: "Hopper", Phone: "+1 555 010 0002", Email: "grace@navy.example", Company: "US Navy", Title: "Rear Admiral",
				Tags: []string{"salesforce"}, Metadata: map[string]string{"crm_id": "0035g00000AbCdE", "owner": "Jane Roe"}},
			region: "US",
		},
		{
			preset: "pipedrive",
			header: []string{"Person - ID", "Person - Name", "Person - First name", "Person - Last name", "Person - Organization", "Person - Email - Work", "Person - Phone - Work", "Person - Phone - Mobile", "Person - Owner", "Person - Labels"},
			row:    []string{"77", "Alan Turing", "Alan", "Turing", "Bletchley", "alan@example.org", "020 7946 0000", "07700 900123", "Joan", "Hot lead, VIP"},
			want: record.Contact{Key: "77", FirstName: "Alan", LastName: "Turing", Phone: "07700 900123", Email: "alan@example.org", Company: "Bletchley",
				Tags: []string{"Hot lead", "VIP"}, Metadata: map[string]string{"crm_id": "77", "owner": "Joan"}},
		},
		{
			preset: "zoho",
			header: []string{"Record Id", "Contact Owner", "First Name", "Last Name", "Account Name", "Email", "Title", "Phone", "Mobile", "Mailing Country", "Tag"},
			row:    []string{"zcrm_4876876000000123", "Sam", "Katherine", "Johnson", "NASA", "kj@nasa.example", "Mathematician", "757-555-0100", "", "USA", "vip;space"},
			want: record.Contact{Key: "zcrm_4876876000000123", FirstName: "Katherine", LastName: "Johnson", Phone: "757-555-0100", Email: "kj@nasa.example", Company: "NASA", Title: "Mathematician",
				Tags: []string{"vip", "space"}, Metadata: map[string]string{"crm_id": "zcrm_4876876000000123", "owner": "Sam"}},
			region: "USA",
		},
		{
			preset: "google-contacts",
			header: []string{"First Name", "Middle Name", "Last Name", "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Organization Name", "Organization Title"},
			row:    []string{"Marie", "", "Curie", "* Home", "Marie@Example.fr", "Mobile", "+33 6 12 34 56 78", "Sorbonne", "Professor"},
			want:   record.Contact{FirstName: "Marie", LastName: "Curie", Phone: "+33 6 12 34 56 78", Email: "marie@example.fr", Company: "Sorbonne", Title: "Professor", Tags: []string{"google-contacts"}},
		},
		{
			preset: "google-contacts",
			header: []string{"Name", "Given Name", "Additional Name", "Family Name", "E-mail 1 - Type", "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value", "Organization 1 - Name", "Organization 1 - Title"},
			row:    []string{"Marie Curie", "Marie", "", "Curie", "* Home", "marie@example.fr", "Mobile", "+33 6 12 34 56 78", "Sorbonne", "Professor"},
			want:   record.Contact{FirstName: "Marie", LastName: "Curie", Phone: "+33 6 12 34 56 78", Email: "marie@example.fr", Company: "Sorbonne", Title: "Professor", Tags: []string{"google-contacts"}},
		},
		{
			preset: "generic",
			header: []string{"first_name", "LAST-NAME", "Mobile", "E-Mail", "Organisation", "Country"},
			row:    []string{"Lin", "Wei", "138 0013 8000", "lin@example.cn", "Acme", "China"},
			want:   record.Contact{FirstName: "Lin", LastName: "Wei", Phone: "138 0013 8000", Email: "lin@example.cn", Company: "Acme"},
			region: "China",
		},
	}
	for _, tc := range tests {
		t.Run(tc.preset+"/"+tc.header[0], func(t *testing.T) {
			m, err := config.LoadMapping(filepath.Join("..", "..", "mappings", tc.preset+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			mp, warnings, err := Compile(m, tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings on the real export header: %q", warnings)
			}
			got, rerr := mp.Apply(record.Row{Line: 2, Values: tc.row})
			if rerr != nil {
				t.Fatal(rerr)
			}
			if !reflect.DeepEqual(got.Contact, tc.want) || got.Region != tc.region {
				t.Fatalf("got %+v region %q\nwant %+v region %q", got.Contact, got.Region, tc.want, tc.region)
			}
		})
	}
}

func FuzzApply(f *testing.F) {
	f.Add("Ada Lovelace", "+1 555", "a, b; c", "{x}")
	f.Fuzz(func(t *testing.T, name, phone, tags, other string) {
		m := &config.Mapping{Fields: config.Fields{Specs: map[string]config.FieldSpec{
			"first_name": {Columns: []string{"Name"}, Transforms: []config.Transform{{Name: "split_name"}, {Name: "title"}, {Name: "collapse_spaces"}}},
			"last_name":  {Columns: []string{"Name"}, Transforms: []config.Transform{{Name: "split_name"}, {Name: "template", Arg: "{value} {Other}"}}},
			"phone":      {Columns: []string{"Phone"}},
			"tags":       {Columns: []string{"Tags"}},
		}}}
		mp, _, err := Compile(m, []string{"Name", "Phone", "Tags", "Other"})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := mp.Apply(record.Row{Values: []string{name, phone, tags, other}})
		for _, tag := range got.Contact.Tags {
			if tag == "" {
				t.Fatal("empty tag")
			}
		}
	})
}
