package pipeline

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"github.com/alexsync/alexsync/pkg/smartalex"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/sim"
)

// pullPipeline writes and loads a pull-calls pipeline writing CSV.
func (h *harness) pullPipeline(extra string) *config.Pipeline {
	h.t.Helper()
	body := `name: calls
kind: pull-calls
checkpoint: state.db
join_pipeline: test
calls: {since: 100h, settle: 2h}
output: {type: csv, path: out/calls.csv}
` + extra
	path := filepath.Join(h.dir, "calls.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		h.t.Fatal(err)
	}
	p, err := config.LoadPipeline(path)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// addCalls makes n calls arrive now, through the simulator's admin API.
func (h *harness) addCalls(n int) {
	req := httptest.NewRequest(http.MethodPost, "/_sim/calls", strings.NewReader(`{"count":`+itoa(n)+`}`))
	rec := httptest.NewRecorder()
	h.sim.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		h.t.Fatalf("adding calls: %d %s", rec.Code, rec.Body.String())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// readCalls returns the calls CSV's rows by id, failing on a repeated id.
func (h *harness) readCalls() map[string]map[string]string {
	h.t.Helper()
	f, err := os.Open(filepath.Join(h.dir, "out", "calls.csv"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, col := range rows[0] {
			m[col] = r[i]
		}
		if _, dup := out[m["id"]]; dup {
			h.t.Fatalf("call %s written twice", m["id"])
		}
		out[m["id"]] = m
	}
	return out
}

func TestPullTwoRunsWithCallsArrivingDuringPaging(t *testing.T) {
	h := newHarness(t, sim.Options{Seed: 4, LateAfter: 10 * time.Minute})
	h.writeCSV(rows(20))
	h.run(h.pipeline(""), nil) // contacts, so calls join back to CRM keys
	h.addCalls(230)
	h.clk.Advance(time.Minute)
	// 40 more calls arrive between the first and the second page of the
	// listing: pages shift by 40 while the puller reads.
	var lists atomic.Int32
	h.setListHook(func() {
		if lists.Add(1) == 2 {
			h.addCalls(40)
		}
	})
	p := h.pullPipeline("")
	// served counts the list and detail requests the simulator answered
	// since the last call: the server's count, not the client's.
	var lastList, lastDetail int
	served := func() (list, detail int) {
		st := h.sim.Stats().Requests
		list, detail = st["GET /v1/calls 200"]-lastList, st["GET /v1/calls/{id} 200"]-lastDetail
		lastList, lastDetail = st["GET /v1/calls 200"], st["GET /v1/calls/{id} 200"]
		return list, detail
	}
	served()
	first := h.run(p, nil)
	h.setListHook(nil)
	got := h.readCalls()
	if first.ExitCode != OutcomeOK || first.Pull.Written != len(got) || len(got) < 230 {
		t.Fatalf("first pull: exit %d %+v, %d calls in the file", first.ExitCode, first.Pull.Result, len(got))
	}
	// 270 calls at 100 a page, 40 of them arriving during paging: three
	// pages, each call's details fetched once.
	if list, detail := served(); first.Pull.ListRequests != 3 || list != 3 || first.Pull.DetailRequests != len(got) || detail != len(got) {
		t.Fatalf("first pull: %d list and %d detail requests reported, %d and %d served; want 3 pages and one detail per call (%d)",
			first.Pull.ListRequests, first.Pull.DetailRequests, list, detail, len(got))
	}
	joined := 0
	for _, c := range got {
		if c["external_key"] != "" && strings.HasPrefix(c["phone"], "+1415555") {
			joined++
		}
	}
	if joined == 0 {
		t.Fatal("no call was joined back to its CRM key and phone")
	}

	// Late fields arrive; the second run fills them in and picks up the
	// calls that arrived during the first run's paging.
	h.clk.Advance(15 * time.Minute)
	second := h.run(p, nil)
	got = h.readCalls()
	if len(got) != 270 {
		t.Fatalf("after two pulls the file holds %d calls, want all 270 exactly once", len(got))
	}
	if second.Pull.Changed == 0 || second.Pull.DetailRequests != second.Pull.New+second.Pull.Changed {
		t.Fatalf("second pull %+v: want the late fields re-fetched, and nothing else", second.Pull.Result)
	}
	if list, detail := served(); list != second.Pull.ListRequests || detail != second.Pull.DetailRequests || list > 3 {
		t.Fatalf("second pull: %d list and %d detail requests reported, %d and %d served", second.Pull.ListRequests, second.Pull.DetailRequests, list, detail)
	}
	missing := 0
	for _, c := range got {
		if c["status"] == "completed" && c["summary"] == "" {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d completed calls still lack their summary after the second pull", missing)
	}
	third := h.run(p, nil)
	if third.Pull.Written != 0 || third.Pull.DetailRequests != 0 || third.Pull.Unchanged == 0 {
		t.Fatalf("third pull %+v: nothing changed, nothing should be written or fetched", third.Pull.Result)
	}
	if list, detail := served(); list != third.Pull.ListRequests || detail != 0 {
		t.Fatalf("third pull: %d list requests reported, %d served, %d detail requests served", third.Pull.ListRequests, list, detail)
	}
}

func TestExportContacts(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(12))
	h.run(h.pipeline(""), nil)
	path := filepath.Join(h.dir, "export.yaml")
	body := "name: export\nkind: export-contacts\ncheckpoint: state.db\njoin_pipeline: test\noutput: {type: csv, path: out/contacts.csv}\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := config.LoadPipeline(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := h.run(p, nil)
	b, err := os.ReadFile(filepath.Join(h.dir, "out", "contacts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.ExitCode != OutcomeOK || sum.Pull.Written != 12 || strings.Count(string(b), "\n") != 13 || !strings.Contains(string(b), ",1003,+14155550003,") {
		t.Fatalf("exit %d %+v\n%s", sum.ExitCode, sum.Pull, b)
	}
}

// TestPullFetchesFailedDetailsAgain: details that failed are fetched by
// the next run even when their calls are older than the window after the
// newest call: the cursor stays where the next window still lists them.
func TestPullFetchesFailedDetailsAgain(t *testing.T) {
	h := newHarness(t, sim.Options{Seed: 5, LateAfter: time.Minute})
	h.addCalls(2)
	h.clk.Advance(5 * time.Hour)
	h.addCalls(2)
	h.clk.Advance(10 * time.Minute) // late fields are in
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/calls/") {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		h.srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer failing.Close()
	p := h.pullPipeline("")
	first, _ := h.runErr(context.Background(), p, func(o *RunOptions) { o.APIURL = failing.URL + "/v1" })
	if first.ExitCode != OutcomeRowErrors || first.Pull.DetailFailed != 4 {
		t.Fatalf("first pull: exit %d %+v; want 4 failed details", first.ExitCode, first.Pull.Result)
	}
	h.clk.Advance(time.Minute)
	second := h.run(p, nil)
	if second.ExitCode != OutcomeOK || second.Pull.Listed != 4 || second.Pull.DetailRequests != 4 || second.Pull.DetailFailed != 0 {
		t.Fatalf("second pull: exit %d %+v; want all 4 calls listed again and their details fetched", second.ExitCode, second.Pull.Result)
	}
}

func TestExportedTagsAndMetadataReadBack(t *testing.T) {
	c := smartalex.Contact{ID: "c1", Tags: []string{"a,b", "c;d"}, Metadata: map[string]string{"note": "x; b=y", "b": "y"}}
	row := contactRow(c, nil)
	var tags []string
	var md map[string]string
	if json.Unmarshal([]byte(row[8].(string)), &tags) != nil || json.Unmarshal([]byte(row[10].(string)), &md) != nil ||
		!slices.Equal(tags, c.Tags) || !maps.Equal(md, c.Metadata) {
		t.Fatalf("tags %v metadata %v: do not read back as %v, %v", row[8], row[10], c.Tags, c.Metadata)
	}
	if empty := contactRow(smartalex.Contact{ID: "c2"}, nil); empty[8] != "" || empty[10] != "" {
		t.Fatalf("no tags or metadata: %q, %q; want empty cells", empty[8], empty[10])
	}
}

// TestPullRebuildsForAnotherOutput: a pipeline that names another output
// than last run writes every call again there; an output file taken away
// (the next step of a workflow consumes it) gets only what is new.
func TestPullRebuildsForAnotherOutput(t *testing.T) {
	h := newHarness(t, sim.Options{Seed: 6, LateAfter: time.Minute})
	h.addCalls(30)
	h.clk.Advance(10 * time.Minute)
	p := h.pullPipeline("")
	if first := h.run(p, nil); first.Pull.Written != 30 {
		t.Fatalf("first pull %+v", first.Pull.Result)
	}
	// Taken away: the next pull writes the new calls only.
	if err := os.Rename(filepath.Join(h.dir, "out", "calls.csv"), filepath.Join(h.dir, "consumed.csv")); err != nil {
		t.Fatal(err)
	}
	h.addCalls(3)
	h.clk.Advance(time.Minute)
	if second := h.run(p, nil); second.ExitCode != OutcomeOK || second.Pull.Written != 3 || len(second.Warnings) != 0 {
		t.Fatalf("after the output was taken away: exit %d %+v warnings %q; want the 3 new calls", second.ExitCode, second.Pull.Result, second.Warnings)
	}
	// Another output: every call is written there.
	h.clk.Advance(time.Minute)
	p.Output.Path = filepath.Join(h.dir, "out", "other.csv")
	third := h.run(p, nil)
	if third.Pull.Written != 33 || !strings.Contains(strings.Join(third.Warnings, "\n"), "another output") {
		t.Fatalf("another output: %+v warnings %q; want all 33 calls", third.Pull.Result, third.Warnings)
	}
	h.clk.Advance(time.Minute)
	if fourth := h.run(p, nil); fourth.Pull.Written != 0 || len(fourth.Warnings) != 0 {
		t.Fatalf("the pull after the rebuild: %+v warnings %q; want nothing to write", fourth.Pull.Result, fourth.Warnings)
	}
}

func TestPullToAPipeIsRefused(t *testing.T) {
	h := newHarness(t, sim.Options{})
	fifo := filepath.Join(h.dir, "calls.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p := h.pullPipeline("")
	p.Output.Path = fifo
	_, err := h.runErr(context.Background(), p, nil)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "is not a regular file") {
		t.Fatalf("pull to a named pipe: %v; want a configuration error", err)
	}
}
