package sim

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"
)

// allCalls pages through /v1/calls with the query and returns every item.
func (e *env) allCalls(query string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for page := 1; ; page++ {
		r := e.do("GET", fmt.Sprintf("/v1/calls?per_page=100&page=%d&%s", page, query), "")
		mustStatus(e.t, r, 200)
		items, _ := r.list(e.t)
		if len(items) == 0 {
			return out
		}
		out = append(out, items...)
	}
}

func TestCallFilters(t *testing.T) {
	e := newEnv(t, Options{Calls: 300, Seed: 3})
	all := e.allCalls("")
	if len(all) != 300 {
		t.Fatalf("%d calls, want 300", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1]["start_timestamp"].(string) < all[i]["start_timestamp"].(string) {
			t.Fatalf("calls not newest first at %d", i)
		}
	}
	start := func(c map[string]any) time.Time {
		ts, _ := time.Parse(time.RFC3339, c["start_timestamp"].(string))
		return ts
	}
	from, to := t0.Add(-48*time.Hour), t0.Add(-24*time.Hour)
	tests := []struct {
		name  string
		query string
		keep  func(c map[string]any) bool
	}{
		{"since_hours", "since_hours=12", func(c map[string]any) bool { return !start(c).Before(t0.Add(-12 * time.Hour)) }},
		{"fractional since_hours", "since_hours=1.5", func(c map[string]any) bool { return !start(c).Before(t0.Add(-90 * time.Minute)) }},
		{"from and to", "from_date=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to_date=" + url.QueryEscape(to.Format(time.RFC3339)),
			func(c map[string]any) bool { return !start(c).Before(from) && !start(c).After(to) }},
		{"status", "status=voicemail", func(c map[string]any) bool { return c["call_status"] == "voicemail" }},
		{"direction and agent", "direction=inbound&agent_id=" + agentIDs[1], func(c map[string]any) bool {
			return c["direction"] == "inbound" && c["agent_id"] == agentIDs[1]
		}},
		{"sentiment", "sentiment=negative", func(c map[string]any) bool { return c["sentiment"] == "negative" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, c := range all {
				if tc.keep(c) {
					want = append(want, c["id"].(string))
				}
			}
			got := ids(e.allCalls(tc.query))
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("filter keeps %d of %d: not a useful case", len(want), len(all))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %d calls, want %d", len(got), len(want))
			}
		})
	}
	bad := []string{"since_hours=abc", "since_hours=0", "from_date=yesterday", "to_date=2026-01-01", "status=busy", "direction=sideways", "page=x"}
	for _, q := range bad {
		t.Run("bad "+q, func(t *testing.T) {
			r := e.do("GET", "/v1/calls?"+q, "")
			mustStatus(t, r, 400)
		})
	}
	t.Run("list omits transcript, detail has it", func(t *testing.T) {
		if _, ok := all[0]["transcript"]; ok {
			t.Fatal("list item carries a transcript")
		}
		d := e.do("GET", "/v1/calls/"+all[len(all)-1]["id"].(string), "").data(t)
		if _, ok := d["transcript"]; !ok {
			t.Fatal("detail has no transcript key")
		}
	})
}

func TestLateFields(t *testing.T) {
	e := newEnv(t, Options{Minute: time.Second}) // LateAfter defaults to 5 Minutes = 5s
	r := e.do("POST", "/_sim/calls", `{"count":20}`)
	mustStatus(t, r, 201)
	var answered string
	for _, id := range r.data(t)["ids"].([]any) {
		d := e.do("GET", "/v1/calls/"+id.(string), "").data(t)
		for _, f := range []string{"summary", "sentiment", "transcript", "recording_url"} {
			if d[f] != nil {
				t.Fatalf("late field %s already set on a fresh call: %v", f, d[f])
			}
		}
		if d["call_status"] == "completed" {
			answered = id.(string)
		}
	}
	if answered == "" {
		t.Fatal("no completed call among 20")
	}
	e.clk.Advance(4 * time.Second)
	if d := e.do("GET", "/v1/calls/"+answered, "").data(t); d["summary"] != nil {
		t.Fatal("late fields appeared before LateAfter")
	}
	e.clk.Advance(time.Second)
	d := e.do("GET", "/v1/calls/"+answered, "").data(t)
	for _, f := range []string{"summary", "sentiment", "transcript", "recording_url"} {
		if d[f] == nil {
			t.Fatalf("late field %s still null after LateAfter", f)
		}
	}
	turns := d["transcript"].([]any)
	first := turns[0].(map[string]any)
	if first["speaker"] != "agent" || first["text"] == "" || first["timestamp"] == nil {
		t.Fatalf("bad transcript turn %v", first)
	}
}

func TestCallsArrive(t *testing.T) {
	e := newEnv(t, Options{Minute: time.Second, CallRate: 6})
	if _, meta := e.do("GET", "/v1/calls", "").list(t); meta["total"].(float64) != 0 {
		t.Fatalf("calls at start: %v", meta["total"])
	}
	e.clk.Advance(10 * time.Second) // 10 simulated minutes at 6/min: about 60
	_, meta := e.do("GET", "/v1/calls", "").list(t)
	n := meta["total"].(float64)
	if n < 30 || n > 90 {
		t.Fatalf("%v calls after 10 minutes at 6/min, want about 60", n)
	}
	e.clk.Advance(10 * time.Second)
	if got := float64(e.srv.Stats().Calls); got <= n {
		t.Fatalf("no more calls after another 10 minutes: %v", got)
	}
	t.Run("deterministic for a seed", func(t *testing.T) {
		other := newEnv(t, Options{Minute: time.Second, CallRate: 6})
		other.clk.Advance(20 * time.Second)
		a, b := ids(e.allCalls("")), ids(other.allCalls(""))
		if !slices.Equal(a, b) {
			t.Fatal("same seed and clock produced different calls")
		}
	})
}

func TestShapes(t *testing.T) {
	newFields := []string{"call_status", "duration_seconds", "contact_id", "start_timestamp"}
	oldFields := []string{"status", "duration", "contact", "created_at", "phone_number"}
	has := func(m map[string]any, keys []string) bool {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				return false
			}
		}
		return true
	}
	tests := []struct {
		shape            string
		wantNew, wantOld bool
	}{
		{"new", true, false},
		{"old", false, true},
		{"mixed", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.shape, func(t *testing.T) {
			e := newEnv(t, Options{Shapes: tc.shape})
			for i := range 20 {
				e.createContact(fmt.Sprintf(`{"first_name":"C%d","phone":"+1415555%04d"}`, i, i))
			}
			mustStatus(t, e.do("POST", "/_sim/calls", `{"count":40}`), 201)
			calls := e.allCalls("")
			sawNew, sawOld := false, false
			for _, c := range calls {
				isNew, isOld := has(c, newFields), has(c, oldFields)
				if isNew == isOld {
					t.Fatalf("call is not one shape: %v", c)
				}
				sawNew, sawOld = sawNew || isNew, sawOld || isOld
				if isOld && c["contact"].(map[string]any)["id"] == "" {
					t.Fatalf("old shape contact without id: %v", c)
				}
			}
			if sawNew != tc.wantNew || sawOld != tc.wantOld {
				t.Fatalf("saw new %v old %v", sawNew, sawOld)
			}
			if again := e.allCalls(""); fmt.Sprint(again) != fmt.Sprint(calls) {
				t.Fatal("a record changed shape between requests")
			}
			items, _ := e.do("GET", "/v1/contacts?per_page=100", "").list(t)
			counted := 0
			for _, c := range items {
				if _, ok := c["calls_count"]; ok {
					counted++
					if _, ok := c["last_called_at"]; !ok {
						t.Fatal("old contact without last_called_at")
					}
				}
			}
			if (counted > 0) != tc.wantOld || (counted == len(items)) == tc.wantNew {
				t.Fatalf("%d of %d contacts carry calls_count", counted, len(items))
			}
		})
	}
}
