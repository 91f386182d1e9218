package pull

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/sink"
)

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// fakeAPI lists its calls newest first and counts requests.
type fakeAPI struct {
	mu      sync.Mutex
	calls   []record.Call // newest first
	details map[string]record.Call
	gets    int
	failGet map[string]error
}

func (a *fakeAPI) ListCalls(_ context.Context, q Query) iter.Seq2[record.Call, error] {
	return func(yield func(record.Call, error) bool) {
		for _, c := range a.calls {
			if !yield(c, nil) {
				return
			}
		}
	}
}

func (a *fakeAPI) GetCall(_ context.Context, id string) (record.Call, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gets++
	if err := a.failGet[id]; err != nil {
		return record.Call{}, err
	}
	return a.details[id], nil
}

// memWriter keeps the latest row per key of each table.
type memWriter struct {
	rows map[string]map[string][]sink.Row
}

func newMemWriter() *memWriter { return &memWriter{rows: map[string]map[string][]sink.Row{}} }

func (w *memWriter) Replace(t sink.Table, rows []sink.Row) error {
	if w.rows[t.Name] == nil {
		w.rows[t.Name] = map[string][]sink.Row{}
	}
	seen := map[string]bool{}
	for _, r := range rows {
		k := r[0].(string)
		if !seen[k] {
			w.rows[t.Name][k] = nil
			seen[k] = true
		}
		w.rows[t.Name][k] = append(w.rows[t.Name][k], r)
	}
	return nil
}
func (w *memWriter) Close() error { return nil }
func (w *memWriter) Abort() error { return nil }

func call(i int, started time.Time) record.Call {
	return record.Call{ID: fmt.Sprint("call_", i), ContactID: fmt.Sprint("contact_", i%3), Status: "completed", StartedAt: started, DurationSeconds: 60}
}

func withDetails(c record.Call) record.Call {
	c.Summary = "booked"
	c.Transcript = []record.TranscriptLine{{Offset: 0.5, Speaker: "agent", Text: "Hi"}, {Offset: 2, Speaker: "caller", Text: "Hello"}}
	return c
}

func TestRunWritesNewAndChangedOnly(t *testing.T) {
	api := &fakeAPI{details: map[string]record.Call{}}
	for i := range 10 {
		c := call(i, t0.Add(-time.Duration(i)*time.Minute))
		api.calls = append(api.calls, c)
		api.details[c.ID] = withDetails(c)
	}
	w := newMemWriter()
	join := func(id string) (string, string, bool) { return "key-" + id, "+14155550100", id == "contact_1" }
	res, err := Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, map[string]Known{}, w, Options{Details: true, Join: join})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 10 || res.Written != 10 || res.DetailRequests != 10 || !res.Complete || !res.Newest.Equal(t0) {
		t.Fatalf("first run %+v", res)
	}
	if got := w.rows["calls"]["call_1"][0]; got[11] != "key-contact_1" || got[12] != "+14155550100" {
		t.Fatalf("call_1 not joined: %v", got)
	}
	if n := len(w.rows["call_transcript_lines"]["call_3"]); n != 2 {
		t.Fatalf("call_3 has %d transcript lines, want 2", n)
	}
	known := map[string]Known{}
	for _, u := range res.Updates {
		known[u.ID] = Known{ListHash: u.ListHash, DetailHash: u.DetailHash}
	}
	// A late field arrives on one call: only that one is fetched again.
	api.calls[4].Sentiment = "positive"
	api.gets = 0
	res, err = Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, known, w, Options{Details: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed != 1 || res.Unchanged != 9 || api.gets != 1 || res.Written != 1 {
		t.Fatalf("second run %+v gets %d: want only the changed call", res, api.gets)
	}
}

func TestRunStopsAtFrom(t *testing.T) {
	api := &fakeAPI{}
	for i := range 10 {
		api.calls = append(api.calls, call(i, t0.Add(-time.Duration(i)*time.Hour)))
	}
	res, err := Run(context.Background(), api, Query{From: t0.Add(-4*time.Hour - time.Minute)}, nil, newMemWriter(), Options{})
	if err != nil || res.Listed != 5 {
		t.Fatalf("listed %d, %v; want the 5 calls since from", res.Listed, err)
	}
}

func TestDetailFailures(t *testing.T) {
	api := &fakeAPI{details: map[string]record.Call{}, failGet: map[string]error{"call_2": errors.New("502 after retries")}}
	for i := range 4 {
		c := call(i, t0.Add(-time.Duration(i)*time.Minute))
		api.calls = append(api.calls, c)
		api.details[c.ID] = withDetails(c)
	}
	res, err := Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, nil, newMemWriter(), Options{Details: true})
	if err != nil || res.DetailFailed != 1 || res.Written != 4 || !res.Complete {
		t.Fatalf("%+v %v", res, err)
	}
	for _, u := range res.Updates {
		if u.ID == "call_2" && u.ListHash != "" {
			t.Fatal("a call whose details failed must be fetched again next run")
		}
	}
	api.failGet["call_1"] = fmt.Errorf("%w: day spent", ErrQuota)
	res, err = Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, nil, newMemWriter(), Options{Details: true})
	if err != nil || !errors.Is(res.Stop, ErrQuota) || res.Complete {
		t.Fatalf("quota during details: %+v %v; want a stop and an incomplete pull", res, err)
	}
}

func TestHashes(t *testing.T) {
	c := call(1, t0)
	d := c
	d.Sentiment = "negative"
	if ListHash(c) == ListHash(d) {
		t.Fatal("sentiment change not seen by the list hash")
	}
	if DetailHash(withDetails(c)) == DetailHash(c) {
		t.Fatal("transcript not in the detail hash")
	}
	cost := 0.0
	e := c
	e.Cost = &cost
	if ListHash(c) == ListHash(e) {
		t.Fatal("unknown cost and zero cost hash alike")
	}
}
