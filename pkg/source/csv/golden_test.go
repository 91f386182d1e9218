package csv

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/csv/golden")

// goldenDump is what a golden file records about reading one fixture.
type goldenDump struct {
	File     string   `json:"file"`
	Options  Options  `json:"options"`
	Dialect  *dialect `json:"dialect,omitempty"`
	Header   []string `json:"header"`
	Warnings []string `json:"warnings"`
	Rows     []result `json:"rows"`
	Fatal    string   `json:"fatal,omitempty"`
}

// dialect is Dialect with the delimiter readable in JSON.
type dialect struct {
	Delimiter string `json:"delimiter"`
	Encoding  string `json:"encoding"`
	CRLF      bool   `json:"crlf"`
}

// goldenOptions are the options a fixture is read with, when not the
// zero value.
var goldenOptions = map[string]Options{
	"title_rows.csv": {HeaderRow: 3},
}

func TestGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(fixtures, "*.*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in %s: %v", fixtures, err)
	}
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			got := dumpFixture(t, path, goldenOptions[name])
			golden := filepath.Join(fixtures, "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("read of %s differs from %s (go test -update rewrites it)\ngot:\n%s", name, golden, got)
			}
		})
	}
}

func dumpFixture(t *testing.T, path string, opts Options) []byte {
	d := goldenDump{File: filepath.Base(path), Options: opts}
	r, err := Open(path, opts)
	if err != nil {
		d.Fatal = err.Error()
	} else {
		defer r.Close()
		dl := r.Dialect()
		d.Dialect = &dialect{Delimiter: string(dl.Delimiter), Encoding: dl.Encoding, CRLF: dl.CRLF}
		d.Header = r.Header()
		d.Rows, err = drain(t, r)
		if err != nil {
			d.Fatal = err.Error()
		}
		d.Warnings = r.Warnings()
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}
