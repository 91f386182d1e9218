package sim

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	opts := Options{Calls: 50, CallRate: 2, Minute: time.Second, StatePath: path, Keys: []Key{{Key: testKey}}}
	e := newEnv(t, opts)
	a := e.createContact(`{"first_name":"Ada","phone":"+14155550100","tags":["x"],"metadata":{"k":"v"}}`)
	mustStatus(t, e.do("POST", "/v1/campaigns", `{"name":"C","agent_id":"agent_1"}`), 201)
	e.register(newReceiver(t), `["contact.created"]`)
	if err := e.srv.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v %v, want mode 0600", fi, err)
	}
	opts.Clock = e.clk
	opts.Calls = 0 // a reload without --calls continues the saved sequences exactly
	again, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	before, after := e.srv.Stats(), again.Stats()
	if after.Contacts != 1 || after.Calls != before.Calls || after.Campaigns != 1 || after.Webhooks != 1 {
		t.Fatalf("after load %+v, before %+v", after, before)
	}
	t.Run("same records", func(t *testing.T) {
		e2 := serve(t, again, e.clk)
		if got, want := e2.do("GET", "/v1/contacts/"+a, "").body, e.do("GET", "/v1/contacts/"+a, "").body; string(got) != string(want) {
			t.Fatalf("contact after load %s, want %s", got, want)
		}
		if got, want := e2.allCalls(""), e.allCalls(""); len(got) != len(want) {
			t.Fatalf("%d calls after load, want %d", len(got), len(want))
		}
	})
	t.Run("generation continues identically", func(t *testing.T) {
		e.clk.Advance(30 * time.Second)
		if x, y := e.srv.Stats().Calls, again.Stats().Calls; x != y || x == before.Calls {
			t.Fatalf("calls after 30 minutes: original %d, loaded %d (were %d)", x, y, before.Calls)
		}
	})
	t.Run("Run saves on shutdown", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		os.Remove(path)
		if err := again.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("no state after Run: %v", err)
		}
	})
	t.Run("corrupt state is an error", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		_ = os.WriteFile(bad, []byte("{"), 0o600)
		if _, err := New(Options{Keys: []Key{{Key: "k"}}, StatePath: bad}); err == nil {
			t.Fatal("New accepted a corrupt state file")
		}
	})
}

func TestAdmin(t *testing.T) {
	e := newEnv(t, Options{Calls: 10})
	e.createContact(`{"first_name":"Ada","phone":"+14155550100"}`)
	e.createContact(`{"first_name":"Ada","phone":"+14155550100"}`)
	mustStatus(t, e.do("GET", "/v1/contacts/nope", ""), 404)
	mustStatus(t, e.doKey("", "GET", "/v1/contacts", ""), 401)
	t.Run("stats", func(t *testing.T) {
		r := e.doKey("", "GET", "/_sim/stats", "")
		mustStatus(t, r, 200)
		var st Stats
		if err := json.Unmarshal(r.body, &st); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"POST /v1/contacts/{id} 201": 0, "POST /v1/contacts 201": 2, "GET /v1/contacts/{id} 404": 1, "GET /v1/contacts 401": 1}
		for k, n := range want {
			if st.Requests[k] != n {
				t.Fatalf("requests[%q] = %d, want %d (all: %v)", k, st.Requests[k], n, st.Requests)
			}
		}
		if st.TotalRequests != 4 || st.Contacts != 2 || st.DuplicatePhones != 1 || st.Calls != 10 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("contacts", func(t *testing.T) {
		r := e.doKey("", "GET", "/_sim/contacts", "")
		var all []map[string]any
		if err := json.Unmarshal(r.body, &all); err != nil || len(all) != 2 {
			t.Fatalf("contacts %s (%v)", r.body, err)
		}
	})
	t.Run("add calls", func(t *testing.T) {
		mustStatus(t, e.doKey("", "POST", "/_sim/calls", `{"count":0}`), 400)
		mustStatus(t, e.doKey("", "POST", "/_sim/calls", `{"count":5}`), 201)
		if n := e.srv.Stats().Calls; n != 15 {
			t.Fatalf("%d calls, want 15", n)
		}
	})
	t.Run("wrong method", func(t *testing.T) {
		mustStatus(t, e.doKey("", "DELETE", "/_sim/stats", ""), 405)
	})
	t.Run("reset", func(t *testing.T) {
		r := e.doKey("", "POST", "/_sim/reset", `{"calls":3}`)
		mustStatus(t, r, 200)
		if !strings.Contains(string(r.body), "not linked to a contact") {
			t.Fatalf("reset with calls: %s; want a warning that they are not linked", r.body)
		}
		st := e.srv.Stats()
		if st.Contacts != 0 || st.Calls != 3 || st.TotalRequests != 0 || len(st.Requests) != 0 {
			t.Fatalf("after reset %+v", st)
		}
		r = e.doKey("", "POST", "/_sim/reset", ``)
		mustStatus(t, r, 200)
		if strings.Contains(string(r.body), "warning") {
			t.Fatalf("reset without calls warns: %s", r.body)
		}
		if st := e.srv.Stats(); st.Calls != 0 {
			t.Fatalf("after empty reset: %d calls", st.Calls)
		}
	})
}

func TestOptionsValidation(t *testing.T) {
	k := []Key{{Key: "k"}}
	tests := []struct {
		name string
		opts Options
	}{
		{"no keys", Options{}},
		{"empty key", Options{Keys: []Key{{}}}},
		{"unknown plan", Options{Keys: k, Plan: "gold"}},
		{"fail rate above 1", Options{Keys: k, FailRate: 1.5}},
		{"negative reset rate", Options{Keys: k, ResetRate: -0.1}},
		{"bad duplicates", Options{Keys: k, Duplicates: "merge"}},
		{"bad shapes", Options{Keys: k, Shapes: "newest"}},
		{"negative cap", Options{Keys: k, ContactCap: -1}},
		{"negative minute", Options{Keys: k, Minute: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.opts); err == nil {
				t.Fatal("New accepted invalid options")
			}
			if tc.opts.Validate() == nil {
				t.Fatal("Validate accepted invalid options")
			}
		})
	}
	s, err := New(Options{Keys: k, Plan: "dental", PerMinute: 7})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Limits(); got != (Limits{Plan: "dental", PerMinute: 7, PerDay: 50_000, ContactCap: 5_000}) {
		t.Fatalf("limits %+v", got)
	}
}
