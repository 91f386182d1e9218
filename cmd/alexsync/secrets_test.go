package main

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/sim"
)

// TestKeyNeverWritten runs every command with debug logging, the --help of
// every command, a pull-calls run, and two rows the API refuses with an
// error that quotes the phone and email (a 400 the push writes to the
// rejects file, a 403 it logs as it came). It greps every byte they wrote
// (stdout, stderr, the reports, the checkpoint, the rejects and calls
// files) for the API key, and every log line (stderr) for full phones and
// emails: only the rejects and output files may hold those. It also checks
// the files are private.
func TestKeyNeverWritten(t *testing.T) {
	e := newCLIEnv(t, 20, "")
	api := newQuotingAPI(t, "+14155558888")
	e.write("contacts.csv", readFile(t, e.path("contacts.csv"))+"999,No Phone,,x@example.com\n")
	var written, logs strings.Builder
	for _, c := range []string{"", "run", "validate", "status", "explain", "check", "sim", "version"} {
		args := append(strings.Fields(c), "--help")
		code, out, errs := e.exec(args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Fatalf("alexsync %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		written.WriteString(out)
		written.WriteString(errs)
	}
	addRow := func(row string) { e.write("contacts.csv", readFile(t, e.path("contacts.csv"))+row+"\n") }
	runs := []struct {
		name        string
		args        []string
		prep        func()
		after       func(stderr string)
		stderrShows string // proof that the path under test logged something
	}{
		{name: "validate", args: []string{"validate", e.path("p.yaml"), "--report", e.path("out/validate.json")}},
		{name: "first run, JSON logs", args: []string{"run", e.path("p.yaml"), "--api-url", api.url, "--verbose", "--log-format", "json", "--report", e.path("out/run.json")},
			stderrShows: `"msg":"smartalex request"`},
		{name: "second run, text logs", args: []string{"run", e.path("p.yaml"), "--api-url", api.url, "--verbose", "--report", e.path("out/run2.json")}},
		{name: "a 400 quoting the phone", args: []string{"run", e.path("p.yaml"), "--api-url", api.url, "--verbose", "--log-format", "json"},
			// Someone else created a contact with this phone after the first
			// run (so it is not adopted); the simulator rejects a second one.
			prep: func() {
				simPost(t, api.url+"/contacts", cliKey, `{"first_name":"Someone","phone":"+14155559999","email":"someone@example.com"}`)
				addRow("1000,Dup Phone,(415) 555-9999,dup@example.com")
			},
			stderrShows: `"status":400`,
			after: func(string) {
				if rejects := readFile(t, e.path("out/rejects.csv")); !strings.Contains(rejects, "phone +14155559999 already belongs to another contact") {
					t.Fatalf("the rejects file lacks the API's full 400 message:\n%s", rejects)
				}
			}},
		{name: "a 403 quoting the phone and email, logged raw", args: []string{"run", e.path("p.yaml"), "--api-url", api.url, "--verbose"},
			prep:        func() { addRow("1001,Refused,(415) 555-8888,refused@example.com") },
			stderrShows: "contact +1415***8888 (r***@example.com) is over the plan's cap"},
		{name: "status", args: []string{"status", e.path("p.yaml"), "--json"}},
		{name: "explain", args: []string{"explain", e.path("p.yaml"), "3"}},
		{name: "check", args: []string{"check", "--api-url", api.url, "--verbose"}, stderrShows: "smartalex request"},
		{name: "plain http refused", args: []string{"run", e.path("p.yaml"), "--api-url", "http://api.example.com/v1"}},
		{name: "pull-calls into a CSV file", args: []string{"run", e.path("calls.yaml"), "--api-url", api.url, "--verbose", "--report", e.path("out/calls.json")},
			prep: func() {
				simPost(t, strings.TrimSuffix(api.url, "/v1")+"/_sim/calls", "", `{"count":5}`)
				e.write("calls.yaml", "kind: pull-calls\ncheckpoint: state.db\njoin_pipeline: p\ncalls: {since: 720h, settle: 1h}\noutput: {type: csv, path: out/calls.csv}\n")
			},
			stderrShows: "path=/v1/calls",
			after: func(string) {
				if calls := readFile(t, e.path("out/calls.csv")); !strings.Contains(calls, "+1415555") {
					t.Fatalf("the pull wrote no call joined to a phone:\n%s", calls)
				}
			}},
	}
	for _, r := range runs {
		if r.prep != nil {
			r.prep()
		}
		_, out, errs := e.exec(r.args...)
		written.WriteString(out)
		written.WriteString(errs)
		logs.WriteString(errs)
		if !strings.Contains(errs, r.stderrShows) {
			t.Fatalf("%s: stderr lacks %q: the test would prove nothing:\n%s", r.name, r.stderrShows, errs)
		}
		if r.after != nil {
			r.after(errs)
		}
	}
	// A masked email keeps its domain ("r***@example.com"); a full one has
	// its local part before the "@".
	for _, personal := range []*regexp.Regexp{regexp.MustCompile(`\+1415555`), regexp.MustCompile(`415\) 555`), regexp.MustCompile(`\w@example\.com`)} {
		if m := personal.FindString(logs.String()); m != "" {
			t.Fatalf("a log line holds personal data (%q):\n%s", m, logs.String())
		}
	}
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		written.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(written.String(), cliKey) {
		t.Fatal("the API key was written somewhere")
	}
	for _, f := range []string{"state.db", "out/rejects.csv", "out/run.json", "out/validate.json", "out/calls.csv", "out/calls.json"} {
		fi, err := os.Stat(e.path(f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	if fi, err := os.Stat(e.path("out")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("out/ created with mode %v, want 0700", fi.Mode().Perm())
	}
}

// quotingAPI is a simulator that rejects a duplicate phone with a 400
// quoting it, and answers a create of refusedPhone with a 403 whose
// message quotes the contact's phone and email, as a real API may.
type quotingAPI struct{ url string }

func newQuotingAPI(t *testing.T, refusedPhone string) *quotingAPI {
	t.Helper()
	s, err := sim.New(sim.Options{Plan: "dental", Keys: []sim.Key{{Key: cliKey}}, Duplicates: "reject"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.Method == http.MethodPost && r.URL.Path == "/v1/contacts" && bytes.Contains(body, []byte(refusedPhone)) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"error":{"code":"forbidden","status":403,"message":"contact `+refusedPhone+` (refused@example.com) is over the plan's cap"}}`)
			return
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &quotingAPI{url: srv.URL + "/v1"}
}

// simPost posts body to url (with the key as a bearer token when set) and
// fails unless the answer is a 2xx.
func simPost(t *testing.T, url, key, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
}
