package main

import (
	"bufio"
	"context"
	"encoding/json"
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

// startSim runs `alexsync sim` with args on a free loopback port and returns
// its base URL and a function that stops it and returns its stderr.
func startSim(t *testing.T, args ...string) (base string, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, append([]string{"sim", "--addr", "127.0.0.1:0"}, args...), pw, &stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		<-done
		t.Fatalf("no output; stderr %s", stderr.String())
	}
	base = regexp.MustCompile(`http://127\.0\.0\.1:\d+/v1`).FindString(lines.Text())
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return base, func() string {
		t.Helper()
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("sim exit %d; stderr %s", code, stderr.String())
		}
		return stderr.String() // read only after execute returned
	}
}

// simCall sends one request with the default key and decodes the JSON body.
func simCall(t *testing.T, method, url, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+defaultSimKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v %v", method, url, resp.StatusCode, out, err)
	}
	return out
}

func TestSimCallsWithState(t *testing.T) {
	const warning = "no contacts yet: seeded calls are not linked to a contact"
	state := filepath.Join(t.TempDir(), "state.json")
	var contactID string
	steps := []struct {
		name       string
		calls      string
		addContact bool
		wantCalls  int
		wantLinked int
		wantWarn   bool
	}{
		{"fresh start: unlinked calls, said once", "3", true, 3, 0, true},
		{"loaded state: more calls, linked", "4", false, 7, 4, false},
		{"loaded state without --calls", "0", false, 7, 4, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			base, stop := startSim(t, "--state", state, "--calls", st.calls)
			if st.addContact {
				created := simCall(t, "POST", base+"/contacts", `{"first_name":"Ada","phone":"+14155550123"}`)
				contactID = created["data"].(map[string]any)["id"].(string)
			}
			calls := simCall(t, "GET", base+"/calls?per_page=100", "")["data"].([]any)
			linked := 0
			for _, c := range calls {
				if c.(map[string]any)["contact_id"] == contactID {
					linked++
				}
			}
			stderr := stop()
			if len(calls) != st.wantCalls || linked != st.wantLinked {
				t.Errorf("%d calls, %d linked to %s; want %d, %d", len(calls), linked, contactID, st.wantCalls, st.wantLinked)
			}
			if n := strings.Count(stderr, warning); n != map[bool]int{true: 1}[st.wantWarn] {
				t.Errorf("warning %d times in stderr, want it: %v; stderr:\n%s", n, st.wantWarn, stderr)
			}
		})
	}
}
