package main

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/pipeline"
	"github.com/alexsync/alexsync/pkg/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// goldenEnv runs a pipeline twice on a fixed virtual clock: an import with
// one rejected row, and an update after an edit, so that status and
// explain have history to show.
func goldenEnv(t *testing.T) (*cliEnv, *clock.Fake) {
	clk := clock.NewFake(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	e := newCLIEnv(t, 0, "guards: {max_reject_ratio: 0.5}\napi: {workers: 1}\n")
	s, err := sim.New(sim.Options{Plan: "dental", Keys: []sim.Key{{Key: cliKey}}, Clock: clk, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	e.write("contacts.csv", "ID,Name,Phone,Email\n1,Ada Lovelace,(415) 555-0101,ada@example.com\n2,Grace,1.4155550102E+10,\n3,Alan,n/a,alan@example.com\n")
	p, err := config.LoadPipeline(e.path("p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		t.Helper()
		opts := pipeline.RunOptions{Key: cliKey, APIURL: srv.URL + "/v1", Clock: clk}
		if _, err := pipeline.Run(context.Background(), p, opts); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
	}
	run()
	e.write("contacts.csv", "ID,Name,Phone,Email\n1,Ada Lovelace,(415) 555-0101,ada@lovelace.example\n2,Grace,1.4155550102E+10,\n3,Alan,n/a,alan@example.com\n")
	run()
	testClock = clk
	t.Cleanup(func() { testClock = nil })
	return e, clk
}

var sizeRE = regexp.MustCompile(`\(\d+ KiB\)|"size_bytes": \d+`)

func normalize(e *cliEnv, s string) string {
	s = strings.ReplaceAll(s, e.dir, "$DIR")
	return sizeRE.ReplaceAllString(s, "SIZE")
}

func TestStatusAndExplainGolden(t *testing.T) {
	e, _ := goldenEnv(t)
	tests := []struct {
		name string
		args []string
	}{
		{"status.txt", []string{"status", e.path("p.yaml")}},
		{"status.json", []string{"status", e.path("p.yaml"), "--json"}},
		{"explain.txt", []string{"explain", e.path("p.yaml"), "1"}},
		{"explain.json", []string{"explain", e.path("p.yaml"), "1", "--json"}},
		{"explain-repaired.txt", []string{"explain", e.path("p.yaml"), "2"}},
		{"explain-rejected.txt", []string{"explain", e.path("p.yaml"), "3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := e.exec(tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, tc.name, normalize(e, out))
		})
	}
	code, _, errs := e.exec("explain", e.path("p.yaml"), "999")
	if code != ExitUsage || !strings.Contains(errs, "no such key") {
		t.Fatalf("unknown key: exit %d %q", code, errs)
	}
}

func TestQuotedListAndMap(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"no tags", quotedList(nil), "-"},
		{"tags", quotedList([]string{"vip", "a b"}), `"vip", "a b"`},
		{"no metadata", quotedMap(nil), "-"},
		{"metadata in key order", quotedMap(map[string]string{"z": "1", "notes": `say "hi"`}), `notes="say \"hi\"", z="1"`},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}
