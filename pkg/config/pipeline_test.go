package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const issuePipeline = `version: 1
name: nightly-crm-sync
kind: push-contacts            # push-contacts | pull-calls | export-contacts
source: {type: csv, path: ../testdata/crm_contacts.csv}
mapping: ../mappings/hubspot.yaml
phone: {default_region: US}
checkpoint: ../.alexsync/state.db
api:
  base_url: https://api.getsmartalex.com/v1
  key_env: SMARTALEX_API_KEY   # the key itself is never in a pipeline file
  plan: professional
  workers: 4
rejects: ../out/rejects.csv
deletes: {mode: off, max: 50}
guards: {max_reject_ratio: 0.2, max_change_ratio: 0.5}
`

func TestLoadPipeline(t *testing.T) {
	path := writeFile(t, "nightly.yaml", issuePipeline)
	p, err := LoadPipeline(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", p.Name, "nightly-crm-sync"},
		{"source path resolved", p.Source.Path, filepath.Join(dir, "../testdata/crm_contacts.csv")},
		{"mapping path resolved", p.Mapping.Path, filepath.Join(dir, "../mappings/hubspot.yaml")},
		{"checkpoint resolved", p.Checkpoint, filepath.Join(dir, "../.alexsync/state.db")},
		{"rejects resolved", p.Rejects, filepath.Join(dir, "../out/rejects.csv")},
		{"duplicates default", p.Duplicates, "first"},
		{"accept default", p.Phone.Accept, "valid"},
		{"workers", p.API.Workers, 4},
		{"deletes", p.Deletes, Deletes{Mode: "off", Max: 50}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestPipelineDefaults(t *testing.T) {
	path := writeFile(t, "import.yaml", "source: {type: xlsx, path: c.xlsx}\nmapping: m.yaml\nphone: {default_region: GB}\ncheckpoint: postgres://db/alexsync\n")
	p, err := LoadPipeline(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if p.Name != "import" || p.Kind != KindPushContacts || p.API.Workers != DefaultWorkers {
		t.Fatalf("defaults not applied: %+v", p)
	}
	if p.Rejects != filepath.Join(dir, "out", "import.rejects.xlsx") {
		t.Fatalf("rejects = %q, want out/import.rejects.xlsx beside the pipeline", p.Rejects)
	}
	if p.Checkpoint != "postgres://db/alexsync" {
		t.Fatalf("a checkpoint URL was resolved as a path: %q", p.Checkpoint)
	}
}

func TestInlineMapping(t *testing.T) {
	p, err := LoadPipeline(writeFile(t, "p.yaml", "source: {type: csv, path: c.csv}\nphone: {default_region: US}\nmapping:\n  fields:\n    first_name: Name\n    phone: Tel\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.LoadMapping()
	if err != nil || m.Fields.Specs["phone"].Columns[0] != "Tel" {
		t.Fatalf("inline mapping = %+v, %v", m, err)
	}
	if m.Name() != "inline" || m.Path != "" || m.File() != p.Path || m.Fields.Specs["phone"].Line != 6 {
		t.Fatalf("inline mapping: Name %q, Path %q, File %q, phone line %d; want inline, \"\", %s, 6",
			m.Name(), m.Path, m.File(), m.Fields.Specs["phone"].Line, p.Path)
	}
	if got := (&Mapping{}).File(); got != "inline mapping" {
		t.Fatalf("File of a mapping built in code = %q", got)
	}
	_, err = LoadPipeline(writeFile(t, "p.yaml", "source: {type: csv, path: c.csv}\nphone: {default_region: US}\nmapping:\n  fields: {first_name: Name, phone: Tel}\n  regions: X\n"))
	if err == nil || !strings.Contains(err.Error(), `:5: unknown key "regions"`) {
		t.Fatalf("unknown key in an inline mapping: %v", err)
	}
}

func TestPipelineErrors(t *testing.T) {
	base := "source: {type: csv, path: c.csv}\nmapping: m.yaml\nphone: {default_region: US}\n"
	tests := []struct {
		name string
		body string
		want string
	}{
		{"unknown key names the line", base + "api:\n  plan: dental\n  key: sk_live_x\n", `p.yaml:6: unknown key "key"`},
		{"unknown top key", base + "sourc: {}\n", `:4: unknown key "sourc"`},
		{"bad kind", base + "kind: push\n", `kind: "push" is not one of`},
		{"no source type", "mapping: m.yaml\nphone: {default_region: US}\n", "source.type: required"},
		{"no region", "source: {type: csv, path: c.csv}\nmapping: m.yaml\n", "phone.default_region: required"},
		{"sql needs a dsn", "source: {type: sql, driver: postgres, query: select 1}\nmapping: m.yaml\nphone: {default_region: US}\n", "exactly one of dsn and dsn_env"},
		{"sql driver", "source: {type: sql, driver: oracle, dsn: x, query: select 1}\nmapping: m.yaml\nphone: {default_region: US}\n", `"oracle" is not sqlite, postgres or mysql`},
		{"bad plan", base + "api: {plan: gold}\n", `unknown plan "gold"`},
		{"bad base url", base + "api: {base_url: 'api.example.com'}\n", "is not an http(s) URL"},
		{"bad ratio", base + "guards: {max_reject_ratio: 2}\n", "want a ratio in (0, 1]"},
		{"bad delimiter", "source: {type: csv, path: c.csv, delimiter: ';;'}\nmapping: m.yaml\nphone: {default_region: US}\n", "is not one character"},
		{"several errors at once, each naming the file", "kind: nope\nduplicates: most\n", "p.yaml: duplicates:"},
		{"a pull with a source", "kind: pull-calls\noutput: {type: csv, path: c.csv}\nsource: {type: csv, path: x.csv}\n", "a pull-calls pipeline reads from the API and writes output: remove source"},
		{"wrong type", base + "api: {workers: many}\n", ":4: cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPipeline(writeFile(t, "p.yaml", tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadPipeline error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestWrongFileGivenAsPipeline(t *testing.T) {
	tests := []struct {
		name, file, body, want string
	}{
		{"a CSV", "c.csv", "ID,Name\n1,Ada\n", "(is c.csv a pipeline file? pipelines are YAML"},
		{"a mapping", "m.yaml", "key: [ID]\nfields:\n  first_name: Name\n", "(this looks like a mapping file: run the pipeline file that names it under mapping:)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPipeline(writeFile(t, tc.file, tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadPipeline error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func FuzzLoadPipeline(f *testing.F) {
	f.Add(issuePipeline)
	f.Add("source: {type: sql, driver: sqlite, dsn: x.db, query: 'select * from t where u > @cursor', cursor_column: u}\nmapping: {fields: {first_name: a, phone: b}}\nphone: {default_region: US}\n")
	f.Fuzz(func(t *testing.T, body string) {
		var p Pipeline
		if err := decodeBytes([]byte(body), &p, checkInlineDSNs); err != nil {
			return
		}
		p.Path = "/tmp/p.yaml"
		p.applyDefaults()
		if p.validate() == nil {
			p.resolvePaths()
		}
	})
}

func TestKeyFileWarning(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode
		warn bool
	}{
		{"owner only", 0o600, false},
		{"readable by others", 0o644, true},
		{"readable by the group", 0o640, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "key", "sk_test_x\n")
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			w := API{KeyFile: path}.KeyFileWarning()
			if (w != "") != tc.warn || (tc.warn && !strings.Contains(w, "chmod 600 "+path)) {
				t.Fatalf("warning %q, want one: %v", w, tc.warn)
			}
		})
	}
}
