package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/sim"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

// chaosPull pulls calls into a CSV file while calls arrive during paging
// (added at every call-list request) and late fields appear, with 500s and
// dropped connections on (no ambiguous writes: a pull only reads); then,
// with no new arrivals and after the late window, one more pull. The file
// must hold every call exactly once with the fields the API serves now.
func chaosPull(t *testing.T, sz chaosSize, rep *chaosReport) {
	cs := newChaosSim(t, sim.Options{Plan: "real_estate", Keys: []sim.Key{{Key: cliKey}}, Seed: 9, FailRate: 0.10, ResetRate: 0.02,
		Latency: sz.latency / 5, Minute: time.Second, Calls: sz.pullCalls, LateAfter: sz.lateAfter, PerMinute: 1 << 20, PerDay: 1 << 20})
	e := newCLIEnv(t, 0, "")
	e.write("p.yaml", fmt.Sprintf(`name: chaos-calls
kind: pull-calls
checkpoint: state.db
api: {plan: real_estate, workers: %d, per_minute: 1000000, per_day: 1000000}
calls: {since: 72h, settle: 1h}
output: {type: csv, path: out/calls.csv}
`, sz.workers))
	c := &chaosRunner{t: t, e: e, cs: cs, sz: sz, rng: rand.New(rand.NewPCG(1, 2)), codes: map[int]int{}}
	var arriving atomic.Bool
	arriving.Store(true)
	var added atomic.Int64
	cs.always = func(r *http.Request) {
		if arriving.Load() && chaosRequestKind(r) == "calls" {
			chaosAddCalls(t, cs, sz.pullAdd)
			added.Add(int64(sz.pullAdd))
		}
	}
	for round := range sz.pullRounds {
		c.phase(fmt.Sprintf("pull round %d", round+1), 0, 1)
	}
	arriving.Store(false)
	time.Sleep(sz.lateAfter + 100*time.Millisecond) // every late field is now visible
	c.phase("final pull", 0, 1)

	tl := chaosTally(cs.requestCounts())
	got := chaosReadCallsCSV(t, e.path("out/calls.csv"))
	st := cs.Stats()
	diffs := chaosCompareCalls(t, cs, got)
	if len(got) != st.Calls {
		t.Errorf("the CSV holds %d calls, the simulator %d", len(got), st.Calls)
		diffs++
	}
	verdict := "OK"
	if diffs > 0 {
		verdict = "FAILED"
	}
	rep.add("pull: %d seeded + %d arrived during paging; %d runs (%d rounds + final), exit codes %v; faults %s; %d requests (%s)",
		sz.pullCalls, added.Load(), c.runs, sz.pullRounds, c.codes, chaosFmtCounts(st.Faults), tl.total, chaosFmtCounts(tl.byKind))
	rep.add("pull final state %s: %d calls in the CSV, %d in the simulator, each once, %d differing from GET /v1/calls/{id}", verdict, len(got), st.Calls, diffs)
}

// chaosAddCalls makes n calls arrive now, through the simulator's admin API.
func chaosAddCalls(t *testing.T, cs *chaosSim, n int) {
	req := httptest.NewRequest(http.MethodPost, "/_sim/calls", strings.NewReader(fmt.Sprintf(`{"count":%d}`, n)))
	rec := httptest.NewRecorder()
	cs.Server.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Errorf("adding calls: %d %s", rec.Code, rec.Body.String())
	}
}

// chaosReadCallsCSV returns the calls file's rows by id, failing on a repeated id.
func chaosReadCallsCSV(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, col := range rows[0] {
			m[col] = r[i]
		}
		if _, dup := out[m["id"]]; dup {
			t.Errorf("call %s written twice", m["id"])
		}
		out[m["id"]] = m
	}
	return out
}

// chaosCompareCalls fetches every call of the CSV from the API (retrying its
// faults) and counts the rows whose late or status fields differ.
func chaosCompareCalls(t *testing.T, cs *chaosSim, got map[string]map[string]string) int {
	t.Helper()
	hc := &http.Client{Transport: chaosHeaderTransport{http.DefaultTransport}, Timeout: 10 * time.Second} // not alexsync's traffic
	api, err := smartalex.NewClient(cs.url, cliKey, smartalex.WithHTTPClient(hc),
		smartalex.WithRetryPolicy(smartalex.RetryPolicy{MaxAttempts: 20, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	diffs := 0
	for id, row := range got {
		c, err := api.GetCall(context.Background(), id)
		if err != nil {
			t.Errorf("GET call %s: %v", id, err)
			diffs++
			continue
		}
		want := map[string]string{"status": c.Status, "sentiment": c.Sentiment, "summary": c.Summary, "recording_url": c.RecordingURL}
		for col, v := range want {
			if row[col] != v {
				if diffs < 5 {
					t.Errorf("call %s: %s is %q in the CSV, %q in the API", id, col, row[col], v)
				}
				diffs++
				break
			}
		}
	}
	return diffs
}
