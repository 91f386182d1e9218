package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
)

// t0 is the fake clock's start: mid-afternoon UTC, far from a day boundary.
var t0 = time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC)

const (
	testKey = "sk_test_rw"
	roKey   = "sk_test_ro"
)

// env is one simulator behind httptest with a fake clock.
type env struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server
	clk *clock.Fake
}

// newEnv starts a simulator; opts gets a fake clock at t0 and the two test
// keys unless it sets its own, and generous quotas unless it sets its own.
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clk := clock.NewFake(t0)
	if opts.Clock == nil {
		opts.Clock = clk
	}
	if opts.Keys == nil {
		opts.Keys = []Key{{Key: testKey}, {Key: roKey, ReadOnly: true}}
	}
	if opts.Plan == "" {
		opts.Plan = "real_estate"
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return serve(t, srv, clk)
}

// serve puts an existing simulator behind httptest.
func serve(t *testing.T, srv *Server, clk *clock.Fake) *env {
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, srv: srv, ts: ts, clk: clk}
}

// result is a response with its body read.
type result struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// data is the "data" object of a one-object envelope.
func (r result) data(t *testing.T) map[string]any {
	t.Helper()
	d, ok := r.json(t)["data"].(map[string]any)
	if !ok {
		t.Fatalf("no data object in %s", r.body)
	}
	return d
}

// list is the "data" array of a list envelope and its meta.
func (r result) list(t *testing.T) ([]map[string]any, map[string]any) {
	t.Helper()
	var env struct {
		Data []map[string]any `json:"data"`
		Meta map[string]any   `json:"meta"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || env.Data == nil || env.Meta == nil {
		t.Fatalf("not a list envelope: %s (%v)", r.body, err)
	}
	return env.Data, env.Meta
}

// errCode is the error envelope's code, checking status matches.
func (r result) errCode(t *testing.T) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error envelope in %s", r.body)
	}
	if int(e["status"].(float64)) != r.status {
		t.Fatalf("error.status %v != HTTP %d", e["status"], r.status)
	}
	return e["code"].(string)
}

// doKey sends a request with the given key ("" for none).
func (e *env) doKey(key, method, path, body string) result {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

// do sends a request with the read-write test key.
func (e *env) do(method, path, body string) result {
	e.t.Helper()
	return e.doKey(testKey, method, path, body)
}

// mustStatus fails unless r has the wanted status.
func mustStatus(t *testing.T, r result, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

// createContact creates a contact from a JSON body and returns its id.
func (e *env) createContact(body string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/contacts", body)
	mustStatus(e.t, r, http.StatusCreated)
	return r.data(e.t)["id"].(string)
}

// ids extracts the ids of list items.
func ids(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it["id"].(string)
	}
	return out
}
