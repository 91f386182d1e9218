package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyNeverWritten runs every command with debug logging and greps
// every byte they wrote (stdout, stderr, the report, the checkpoint, the
// rejects file) for the API key. It also checks the files are private.
func TestKeyNeverWritten(t *testing.T) {
	e := newCLIEnv(t, 20, "")
	e.write("contacts.csv", readFile(t, e.path("contacts.csv"))+"999,No Phone,,x@example.com\n")
	var written, logs strings.Builder
	runs := [][]string{
		{"validate", e.path("p.yaml"), "--report", e.path("out/validate.json")},
		{"run", e.path("p.yaml"), "--api-url", e.url, "--verbose", "--log-format", "json", "--report", e.path("out/run.json")},
		{"run", e.path("p.yaml"), "--api-url", e.url, "--verbose", "--report", e.path("out/run2.json")},
		{"status", e.path("p.yaml"), "--json"},
		{"explain", e.path("p.yaml"), "3"},
		{"check", "--api-url", e.url, "--verbose"},
		{"run", e.path("p.yaml"), "--api-url", "http://api.example.com/v1"},
	}
	for _, args := range runs {
		_, out, errs := e.exec(args...)
		written.WriteString(out)
		written.WriteString(errs)
		logs.WriteString(errs)
	}
	if !strings.Contains(written.String(), "smartalex request") {
		t.Fatal("debug logging did not run: the test would prove nothing")
	}
	for _, personal := range []string{"+1415555", "415) 555", "@example.com"} {
		if strings.Contains(logs.String(), personal) {
			t.Fatalf("a log line holds personal data (%q):\n%s", personal, logs.String())
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
	for _, f := range []string{"state.db", "out/rejects.csv", "out/run.json", "out/validate.json"} {
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
