package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputs is the table of bad inputs a user can give alexsync, each
// with the error the user sees and the exit code: never a panic, never a
// stack trace, never a half-written file.
func TestBadInputs(t *testing.T) {
	const mappingYAML = "mapping: {key: ID, fields: {first_name: Name, phone: Phone}}\nphone: {default_region: US}\ncheckpoint: state.db\nrejects: out/rejects.csv\n"
	xlsxFixture := func(name string) func(*cliEnv) string {
		return func(e *cliEnv) string {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "xlsx", name))
			if err != nil {
				t.Fatal(err)
			}
			e.write("book.xlsx", string(b))
			return "source: {type: xlsx, path: book.xlsx}\n" + mappingYAML
		}
	}
	csvSource := func(body string) func(*cliEnv) string {
		return func(e *cliEnv) string {
			e.write("in.csv", body)
			return "source: {type: csv, path: in.csv}\n" + mappingYAML
		}
	}
	tests := []struct {
		name     string
		pipeline func(e *cliEnv) string // returns the pipeline YAML
		cmd      string                 // validate (default) or run
		key      string                 // SMARTALEX_API_KEY for run ("" unsets it)
		apiURL   string                 // --api-url for run
		wantCode int
		want     string
	}{
		{"missing file", func(*cliEnv) string { return "source: {type: csv, path: nope.csv}\n" + mappingYAML }, "", "", "", ExitUsage, "nope.csv: no such file or directory"},
		{"unreadable file (a directory)", func(e *cliEnv) string {
			if err := os.Mkdir(e.path("dir.csv"), 0o700); err != nil {
				t.Fatal(err)
			}
			return "source: {type: csv, path: dir.csv}\n" + mappingYAML
		}, "", "", "", ExitFatal, "dir.csv"},
		{"empty file", csvSource(""), "", "", "", ExitFatal, "in.csv: empty file"},
		{"header only", csvSource("ID,Name,Phone\n"), "", "", "", ExitOK, ""},
		{"binary file named .csv", csvSource("PK\x03\x04\x00\x00binary\x00stuff"), "", "", "", ExitFatal, "not a CSV file (binary content"},
		{"XLSX that is a zip of something else", xlsxFixture("zip_not_workbook.xlsx"), "", "", "", ExitFatal, "not an XLSX workbook"},
		{"password-protected XLSX", xlsxFixture("encrypted.xlsx"), "", "", "", ExitFatal, "password-protected workbooks are not supported"},
		{"a sheet that does not exist", func(e *cliEnv) string {
			return strings.Replace(xlsxFixture("numbers.xlsx")(e), "path: book.xlsx}", "path: book.xlsx, sheet: Leads}", 1)
		}, "", "", "", ExitFatal, `"Leads"`},
		{"a 17 MiB single line", csvSource("ID,Name,Phone\n1,Ada," + strings.Repeat("9", 17<<20) + "\n"), "", "", "", ExitFatal, "in.csv"},
		{"a mapping that names missing columns", func(e *cliEnv) string {
			e.write("in.csv", "ID,Full Name,Phone\n1,Ada,(415) 555-0100\n")
			return "source: {type: csv, path: in.csv}\n" + mappingYAML
		}, "", "", "", ExitUsage, `first_name: column "Name" is not in the source`},
		{"a pipeline with unknown keys", func(e *cliEnv) string {
			return "source: {type: csv, path: in.csv, delimitr: ';'}\n" + mappingYAML
		}, "", "", "", ExitUsage, `p.yaml:1: unknown key "delimitr"`},
		{"an invalid base_url", func(e *cliEnv) string {
			e.write("in.csv", "ID,Name,Phone\n1,Ada,(415) 555-0100\n")
			return "source: {type: csv, path: in.csv}\n" + mappingYAML + "api: {base_url: 'ftp://api.example.com'}\n"
		}, "run", cliKey, "", ExitUsage, "api.base_url"},
		{"a key env var that is unset", csvSource("ID,Name,Phone\n1,Ada,(415) 555-0100\n"), "run", "", "", ExitUsage, "SMARTALEX_API_KEY is not set"},
		{"an expired key (401)", csvSource("ID,Name,Phone\n1,Ada,(415) 555-0100\n"), "run", "sk_test_expired", "SIM", ExitFatal, "the API refused the key from environment variable SMARTALEX_API_KEY (expired or revoked?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newCLIEnv(t, 0, "")
			e.write("p.yaml", tc.pipeline(e))
			args := []string{"validate", e.path("p.yaml")}
			if tc.cmd == "run" {
				t.Setenv("SMARTALEX_API_KEY", tc.key)
				args = []string{"run", e.path("p.yaml")}
				if tc.apiURL == "SIM" {
					args = append(args, "--api-url", e.url)
				}
			}
			code, out, errs := e.exec(args...)
			if code != tc.wantCode || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("exit %d, want %d; output must contain %q:\n%s%s", code, tc.wantCode, tc.want, out, errs)
			}
			t.Logf("exit %d: %s", code, strings.TrimSpace(firstLine(errs)))
			if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") {
				t.Fatalf("a stack trace reached the user:\n%s", errs)
			}
			if len(errs) > 2000 {
				t.Fatalf("an error of %d bytes: %.200s...", len(errs), errs)
			}
			assertNoPartialFiles(t, e.dir)
		})
	}
}

// assertNoPartialFiles fails if a temp file was left behind.
func assertNoPartialFiles(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(d.Name(), ".tmp") || bytes.HasPrefix([]byte(d.Name()), []byte(".rejects"))) {
			t.Errorf("partial file left: %s", path)
		}
		return nil
	})
}
