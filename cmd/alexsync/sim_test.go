package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSimFlagValidation(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"rate above 1", []string{"--fail-rate", "2"}},
		{"negative rate", []string{"--reset-rate", "-0.5"}},
		{"public address without --public", []string{"--addr", "0.0.0.0:0"}},
		{"bad address", []string{"--addr", "nowhere"}},
		{"unknown plan", []string{"--plan", "gold"}},
		{"bad shapes", []string{"--shapes", "newest"}},
		{"bad duplicates", []string{"--duplicates", "merge"}},
		{"zero minute", []string{"--minute", "0s"}},
		{"negative cap", []string{"--cap", "-1"}},
		{"unknown flag", []string{"--frobnicate"}},
		{"argument", []string{"extra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb strings.Builder
			code := execute(context.Background(), append([]string{"sim"}, tc.args...), &out, &errb)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr %s", code, ExitUsage, errb.String())
			}
		})
	}
}

func TestSimHelpHasExamples(t *testing.T) {
	var out strings.Builder
	if code := execute(context.Background(), []string{"sim", "--help"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "Examples:") || !strings.Contains(out.String(), "alexsync sim --addr") {
		t.Fatalf("help without examples:\n%s", out.String())
	}
}

func TestSimServesAndShutsDown(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"sim", "--addr", "127.0.0.1:0", "--state", state, "--calls", "3"}, pw, io.Discard)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("no output")
	}
	first := lines.Text()
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+/v1`).FindString(first)
	if base == "" || strings.Contains(first, ":0/") {
		t.Fatalf("first line %q has no real base URL", first)
	}
	if !lines.Scan() || !strings.Contains(lines.Text(), defaultSimKey) {
		t.Fatalf("default key not printed: %q", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	req, _ := http.NewRequest("GET", base+"/calls", nil)
	req.Header.Set("Authorization", "Bearer "+defaultSimKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /calls: %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d after cancel, want 0", code)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("state not saved on shutdown: %v", err)
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		addr   string
		public bool
		ok     bool
	}{
		{"127.0.0.1:8089", false, true},
		{"[::1]:8089", false, true},
		{"localhost:8089", false, true},
		{":8089", false, false},
		{"0.0.0.0:8089", false, false},
		{"0.0.0.0:8089", true, true},
		{"192.168.1.10:8089", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			if err := checkLoopback(tc.addr, tc.public); (err == nil) != tc.ok {
				t.Fatalf("checkLoopback(%q, %v) = %v", tc.addr, tc.public, err)
			}
		})
	}
}
