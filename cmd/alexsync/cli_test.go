package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/sim"
)

func TestEveryCommandHelpHasAnExample(t *testing.T) {
	for _, c := range newRootCmd().Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			var out strings.Builder
			if code := execute(context.Background(), []string{c.Name(), "--help"}, &out, io.Discard); code != 0 {
				t.Fatalf("exit %d", code)
			}
			if !strings.Contains(out.String(), "Examples:") || !strings.Contains(out.String(), "alexsync "+c.Name()) {
				t.Fatalf("help of %s has no example:\n%s", c.Name(), out.String())
			}
		})
	}
}

// cliEnv is a directory with a contacts file, a pipeline and a simulator.
type cliEnv struct {
	t   *testing.T
	dir string
	url string
	sim *sim.Server
}

const cliKey = "sk_test_CLI_d00d"

func newCLIEnv(t *testing.T, nrows int, extra string) *cliEnv {
	t.Helper()
	e := &cliEnv{t: t, dir: t.TempDir()}
	s, err := sim.New(sim.Options{Plan: "dental", Keys: []sim.Key{{Key: cliKey}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	e.sim, e.url = s, srv.URL+"/v1"
	var b strings.Builder
	b.WriteString("ID,Name,Phone,Email\n")
	for i := range nrows {
		fmt.Fprintf(&b, "%d,Person %d,(415) 555-%04d,p%d@example.com\n", i, i, i, i)
	}
	e.write("contacts.csv", b.String())
	e.write("p.yaml", `source: {type: csv, path: contacts.csv}
mapping:
  key: ID
  fields: {first_name: Name, phone: Phone, email: Email}
phone: {default_region: US}
checkpoint: state.db
rejects: out/rejects.csv
`+extra)
	t.Setenv("SMARTALEX_API_KEY", cliKey)
	t.Setenv("SMARTALEX_API_URL", "")
	return e
}

func (e *cliEnv) write(name, body string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte(body), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *cliEnv) path(name string) string { return filepath.Join(e.dir, name) }

func (e *cliEnv) exec(args ...string) (int, string, string) {
	var out, errb strings.Builder
	code := execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateExitCodes(t *testing.T) {
	e := newCLIEnv(t, 5, "")
	if code, out, errs := e.exec("validate", e.path("p.yaml")); code != 0 || !strings.Contains(out, "valid      5") {
		t.Fatalf("clean source: exit %d\n%s%s", code, out, errs)
	}
	e.write("contacts.csv", "ID,Name,Phone,Email\n1,Ada,(415) 555-0101,ada@example.com\n2,,(415) 555-0102,\n3,Cy,12,\n")
	code, out, _ := e.exec("validate", e.path("p.yaml"), "--normalized", e.path("out/n.csv"), "--report", e.path("v.json"))
	if code != ExitRowErrors || !strings.Contains(out, "missing_first_name 1") || !strings.Contains(out, "too_short 1") {
		t.Fatalf("rejects: exit %d\n%s", code, out)
	}
	var rep map[string]any
	b, _ := os.ReadFile(e.path("v.json"))
	if err := json.Unmarshal(b, &rep); err != nil || rep["rejected"] != float64(2) {
		t.Fatalf("report %s: %v", b, err)
	}
	norm, _ := os.ReadFile(e.path("out/n.csv"))
	if !strings.HasPrefix(string(norm), "key,phone,phone_reason,first_name") || !strings.Contains(string(norm), "1,+14155550101,ok,Ada") {
		t.Fatalf("normalized file:\n%s", norm)
	}
	e.write("p.yaml", "source: {type: csv, path: contacts.csv}\nmapping: {fields: {first_name: Nmae, phone: Phone}}\nphone: {default_region: US}\n")
	code, _, errs := e.exec("validate", e.path("p.yaml"))
	if code != ExitUsage || !strings.Contains(errs, `did you mean "Name"?`) {
		t.Fatalf("mapping error: exit %d\n%s", code, errs)
	}
}

func TestRunCommand(t *testing.T) {
	e := newCLIEnv(t, 6, "")
	code, out, errs := e.exec("run", e.path("p.yaml"), "--api-url", e.url, "--report", e.path("r.json"))
	if code != 0 || !strings.Contains(out, "6 created") {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	var rep struct {
		ExitCode int            `json:"exit_code"`
		Counts   map[string]int `json:"counts"`
		Requests struct {
			Total    int            `json:"total"`
			ByStatus map[string]int `json:"by_status"`
		} `json:"requests"`
		Quota map[string]any `json:"quota"`
	}
	b, _ := os.ReadFile(e.path("r.json"))
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"read", "rejected", "duplicates", "unchanged", "create", "update", "delete", "created", "updated", "deleted", "adopted", "failed", "in_doubt"} {
		if _, ok := rep.Counts[k]; !ok {
			t.Errorf("report counts lack %q", k)
		}
	}
	if rep.ExitCode != 0 || rep.Counts["created"] != 6 || rep.Requests.ByStatus["201"] != 6 || rep.Quota["per_day"] != float64(10000) {
		t.Fatalf("report: %s", b)
	}
	if strings.Contains(string(b), cliKey) || strings.Contains(out+errs, cliKey) {
		t.Fatal("the API key leaked into the output or the report")
	}
	code, out, _ = e.exec("run", e.path("p.yaml"), "--api-url", e.url, "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run") || !strings.Contains(out, "6 unchanged") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
}

func TestRunUsageErrors(t *testing.T) {
	e := newCLIEnv(t, 2, "")
	tests := []struct {
		name string
		prep func(*testing.T)
		args []string
		want string
	}{
		{"no key", func(t *testing.T) { t.Setenv("SMARTALEX_API_KEY", "") }, []string{"run", e.path("p.yaml")}, "SMARTALEX_API_KEY is not set"},
		{"unknown key in the pipeline", func(*testing.T) { e.write("bad.yaml", "source: {type: csv, path: c.csv}\napi_key: x\n") }, []string{"run", e.path("bad.yaml")}, `bad.yaml:2: unknown key "api_key"`},
		{"missing pipeline", nil, []string{"run", e.path("nope.yaml")}, "no such file"},
		{"bad log format", nil, []string{"run", e.path("p.yaml"), "--log-format", "xml"}, "want text or json"},
		{"plain http to a remote host", nil, []string{"run", e.path("p.yaml"), "--api-url", "http://api.example.com/v1"}, "refusing plain http://"},
		{"a URL that is not http", nil, []string{"run", e.path("p.yaml"), "--api-url", "ftp://x/v1"}, `invalid API base URL "ftp://x/v1"`},
		{"no pipeline argument", nil, []string{"run"}, "alexsync run: accepts 1 arg(s), received 0 (see alexsync run --help)"},
		{"explain without a key", nil, []string{"explain", e.path("p.yaml")}, "alexsync explain: accepts 2 arg(s), received 1"},
		{"an unknown command", nil, []string{"runn", e.path("p.yaml")}, `unknown command "runn"`},
		{"a flag that is not a number", nil, []string{"run", e.path("p.yaml"), "--workers", "abc"}, "--workers"},
		{"a report path that is a directory", nil, []string{"run", e.path("p.yaml"), "--report", e.dir}, "is a directory: name a file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prep != nil {
				tc.prep(t)
			}
			code, _, errs := e.exec(tc.args...)
			if code != ExitUsage || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errs, tc.want)
			}
		})
	}
}

// TestReportForEveryOutcome: a scheduler reads the report whatever
// happened, so one is written for runs that end before planning too, and
// its maps are never null.
func TestReportForEveryOutcome(t *testing.T) {
	e := newCLIEnv(t, 3, "")
	tests := []struct {
		name      string
		prep      func(*testing.T)
		args      []string
		wantExit  int
		wantError string
	}{
		{"no key", func(t *testing.T) { t.Setenv("SMARTALEX_API_KEY", "") }, []string{e.path("p.yaml")}, ExitUsage, "SMARTALEX_API_KEY is not set"},
		{"missing pipeline", nil, []string{e.path("nope.yaml")}, ExitUsage, "nope.yaml"},
		{"refused key", func(t *testing.T) { t.Setenv("SMARTALEX_API_KEY", "sk_test_revoked") }, []string{e.path("p.yaml"), "--api-url", e.url}, ExitFatal, "refused the key"},
		{"dry run", nil, []string{e.path("p.yaml"), "--api-url", e.url, "--dry-run"}, ExitOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prep != nil {
				tc.prep(t)
			}
			report := e.path(strings.ReplaceAll(tc.name, " ", "-") + ".json")
			code, out, errs := e.exec(append(append([]string{"run"}, tc.args...), "--report", report)...)
			if code != tc.wantExit {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.wantExit, out, errs)
			}
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatalf("no report: %v", err)
			}
			var rep struct {
				ExitCode int    `json:"exit_code"`
				Error    string `json:"error"`
				Requests struct {
					ByStatus map[string]int `json:"by_status"`
				} `json:"requests"`
				FinishedAt string `json:"finished_at"`
			}
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.ExitCode != tc.wantExit || !strings.Contains(rep.Error, tc.wantError) || (tc.wantError == "") != (rep.Error == "") {
				t.Fatalf("report exit %d error %q; want %d and %q", rep.ExitCode, rep.Error, tc.wantExit, tc.wantError)
			}
			if rep.Requests.ByStatus == nil || strings.Contains(string(b), "null") || rep.FinishedAt == "" {
				t.Fatalf("report with a null or missing field:\n%s", b)
			}
		})
	}
}

// TestUnwritableReportKeepsTheRunsOutcome: a report that cannot be
// written is said on stderr; the exit code stays the run's, and a run that
// succeeded exits 1 so that the missing report is noticed.
func TestUnwritableReportKeepsTheRunsOutcome(t *testing.T) {
	tests := []struct {
		name     string
		badRow   bool
		wantExit int
		wantErr  string
	}{
		{"a run a guard stopped", true, ExitGuard, "alexsync: report: "},
		{"a clean run", false, ExitFatal, "the run succeeded, but its report could not be written"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newCLIEnv(t, 3, "")
			if tc.badRow {
				e.write("contacts.csv", "ID,Name,Phone,Email\n1,Ada,(415) 555-0001,a@example.com\n2,Bob,not a phone,b@example.com\n")
			}
			// The report's directory is a file: it cannot be written.
			code, out, errs := e.exec("run", e.path("p.yaml"), "--api-url", e.url, "--report", e.path("p.yaml/r.json"))
			if code != tc.wantExit || !strings.Contains(errs, tc.wantErr) {
				t.Fatalf("exit %d, want %d and %q on stderr\n%s%s", code, tc.wantExit, tc.wantErr, out, errs)
			}
		})
	}
}

// TestOutputsThroughSymlinks: an output path that is a symbolic link
// keeps the link; the file it points to gets the output.
func TestOutputsThroughSymlinks(t *testing.T) {
	e := newCLIEnv(t, 3, "")
	for _, name := range []string{"n", "r"} {
		if err := os.Symlink(e.path(name+"-target"), e.path(name+"-link")); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := e.exec("validate", e.path("p.yaml"), "--normalized", e.path("n-link"), "--report", e.path("r-link")); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, name := range []string{"n", "r"} {
		if fi, err := os.Lstat(e.path(name + "-link")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s-link is no longer a link: %v", name, err)
		}
		if b, err := os.ReadFile(e.path(name + "-target")); err != nil || len(b) == 0 {
			t.Fatalf("%s-target holds nothing: %v", name, err)
		}
	}
}

// TestSummarySaysHowManyRejectsItLeftOut: the summary lists the first
// five rejects and says how many more the rejects file holds.
func TestSummarySaysHowManyRejectsItLeftOut(t *testing.T) {
	e := newCLIEnv(t, 0, "")
	var b strings.Builder
	b.WriteString("ID,Name,Phone,Email\n")
	for i := range 40 {
		phone := fmt.Sprintf("(415) 555-%04d", i)
		if i%5 == 0 {
			phone = "n/a"
		}
		fmt.Fprintf(&b, "%d,Person %d,%s,p%d@example.com\n", i, i, phone, i)
	}
	e.write("contacts.csv", b.String())
	code, out, errs := e.exec("run", e.path("p.yaml"), "--api-url", e.url)
	if code != ExitRowErrors || strings.Count(out, "reject     line") != 5 || !strings.Contains(out, "... and 3 more in the rejects file") ||
		!strings.Contains(out, "source     40 rows read, 8 rejected") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

// TestRevokedKeyOnAWrite: a key refused on an update says so plainly,
// with the API's answer and no wrapper text.
func TestRevokedKeyOnAWrite(t *testing.T) {
	e := newCLIEnv(t, 3, "")
	if code, out, errs := e.exec("run", e.path("p.yaml"), "--api-url", e.url); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errs)
	}
	e.write("contacts.csv", "ID,Name,Phone,Email\n0,Renamed,(415) 555-0000,p0@example.com\n1,Person 1,(415) 555-0001,p1@example.com\n2,Person 2,(415) 555-0002,p2@example.com\n")
	t.Setenv("SMARTALEX_API_KEY", "sk_test_revoked")
	code, _, errs := e.exec("run", e.path("p.yaml"), "--api-url", e.url)
	want := "alexsync: the API refused the key from environment variable SMARTALEX_API_KEY (expired or revoked?): PATCH /v1/contacts/"
	if code != ExitFatal || !strings.Contains(errs, want) || strings.Contains(errs, "fatal API error") {
		t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errs, want)
	}
}

func TestReportToStdout(t *testing.T) {
	e := newCLIEnv(t, 3, "")
	code, out, errs := e.exec("run", e.path("p.yaml"), "--api-url", e.url, "--report", "-")
	var rep struct {
		Pipeline string         `json:"pipeline"`
		Counts   map[string]int `json:"counts"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Counts["created"] != 3 || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d: stdout is not the report on one line\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if !strings.Contains(errs, "3 created") {
		t.Fatalf("the summary belongs on stderr with --report -:\n%s", errs)
	}
	code, out, _ = e.exec("validate", e.path("p.yaml"), "--report", "-")
	if code != 0 || !json.Valid([]byte(out)) {
		t.Fatalf("validate --report -: exit %d\n%s", code, out)
	}
}

func TestCheckURLPrecedence(t *testing.T) {
	e := newCLIEnv(t, 0, "")
	dead := "http://127.0.0.1:1/v1" // nothing listens there
	tests := []struct {
		name   string
		env    string
		args   []string
		wantOK bool
	}{
		{"the flag wins over the variable", dead, []string{"--api-url", e.url}, true},
		{"the variable without the flag", e.url, nil, true},
		{"the variable pointing nowhere", dead, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SMARTALEX_API_URL", tc.env)
			code, out, errs := e.exec(append([]string{"check"}, tc.args...)...)
			if (code == 0) != tc.wantOK || (tc.wantOK && !strings.Contains(out, e.url)) {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
		})
	}
}
