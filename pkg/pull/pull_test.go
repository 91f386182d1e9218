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
	mu        sync.Mutex
	calls     []record.Call // newest first
	details   map[string]record.Call
	gets      int
	failGet   map[string]error
	failAfter int   // with failList: the listing fails after this many calls
	failList  error // nil: the listing ends normally
}

func (a *fakeAPI) ListCalls(_ context.Context, q Query) iter.Seq2[record.Call, error] {
	return func(yield func(record.Call, error) bool) {
		for i, c := range a.calls {
			if a.failList != nil && i == a.failAfter {
				yield(record.Call{}, a.failList)
				return
			}
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

// memWriter keeps the latest rows per key of each table: the committed
// ones, and the batches replaced since the last Commit.
type memWriter struct {
	rows    map[string]map[string][]sink.Row // committed
	pending []memBatch
	writes  map[string]int // committed writes of each call
	commits int
	failAt  int // the Commit that fails (1-based), 0: none
}

type memBatch struct {
	table string
	rows  []sink.Row
}

func newMemWriter() *memWriter {
	return &memWriter{rows: map[string]map[string][]sink.Row{}, writes: map[string]int{}}
}

func (w *memWriter) Replace(t sink.Table, rows []sink.Row) error {
	w.pending = append(w.pending, memBatch{t.Name, rows})
	return nil
}

func (w *memWriter) Commit() error {
	if w.commits++; w.commits == w.failAt {
		w.pending = nil
		return errors.New("disk full")
	}
	for _, b := range w.pending {
		if w.rows[b.table] == nil {
			w.rows[b.table] = map[string][]sink.Row{}
		}
		seen := map[string]bool{}
		for _, r := range b.rows {
			k := r[0].(string)
			if !seen[k] {
				w.rows[b.table][k] = nil
				seen[k] = true
				if b.table == "calls" {
					w.writes[k]++
				}
			}
			w.rows[b.table][k] = append(w.rows[b.table][k], r)
		}
	}
	w.pending = nil
	return nil
}

func (w *memWriter) Close() error { return w.Commit() }
func (w *memWriter) Abort() error { w.pending = nil; return nil }

// memJournal is a Journal in memory; it checks that every call it
// records is committed in w.
type memJournal struct {
	t       *testing.T
	w       *memWriter
	known   map[string]Known
	records int
	failAt  int // the Record that fails (1-based), 0: none
}

func newMemJournal(t *testing.T, w *memWriter) *memJournal {
	return &memJournal{t: t, w: w, known: map[string]Known{}}
}

func (j *memJournal) Known(_ context.Context, ids []string) (map[string]Known, error) {
	out := map[string]Known{}
	for _, id := range ids {
		if k, ok := j.known[id]; ok {
			out[id] = k
		}
	}
	return out, nil
}

func (j *memJournal) Record(_ context.Context, updates []Update) error {
	if j.records++; j.records == j.failAt {
		return errors.New("checkpoint gone")
	}
	for _, u := range updates {
		if j.w != nil && j.w.rows["calls"][u.ID] == nil {
			j.t.Errorf("call %s recorded before the sink committed it", u.ID)
		}
		j.known[u.ID] = Known{ListHash: u.ListHash, DetailHash: u.DetailHash}
	}
	return nil
}

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
	j := newMemJournal(t, w)
	join := func(id string) (string, string, bool) { return "key-" + id, "+14155550100", id == "contact_1" }
	res, err := Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, j, w, Options{Details: true, Join: join})
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
	// A late field arrives on one call: only that one is fetched again.
	api.calls[4].Sentiment = "positive"
	api.gets = 0
	res, err = Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, j, w, Options{Details: true, Join: join})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed != 1 || res.Unchanged != 9 || api.gets != 1 || res.Written != 1 {
		t.Fatalf("second run %+v gets %d: want only the changed call", res, api.gets)
	}
	// The push confirms contact_2 later: its calls gain their CRM key.
	join2 := func(id string) (string, string, bool) {
		return "key-" + id, "+14155550100", id == "contact_1" || id == "contact_2"
	}
	res, err = Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, j, w, Options{Details: true, Join: join2})
	if err != nil {
		t.Fatal(err)
	}
	joined := 0
	for _, c := range api.calls {
		if c.ContactID == "contact_2" {
			joined++
			if got := w.rows["calls"][c.ID][0]; got[11] != "key-contact_2" {
				t.Fatalf("%s not joined after its contact was: %v", c.ID, got)
			}
		}
	}
	if joined == 0 || res.Changed != joined {
		t.Fatalf("third run %+v: want the %d calls of contact_2 rewritten", res, joined)
	}
}

func TestRunStopsAtFrom(t *testing.T) {
	api := &fakeAPI{}
	for i := range 10 {
		api.calls = append(api.calls, call(i, t0.Add(-time.Duration(i)*time.Hour)))
	}
	res, err := Run(context.Background(), api, Query{From: t0.Add(-4*time.Hour - time.Minute)}, newMemJournal(t, nil), newMemWriter(), Options{})
	if err != nil || res.Listed != 5 {
		t.Fatalf("listed %d, %v; want the 5 calls since from", res.Listed, err)
	}
}

// A call listed without a start time does not end the listing.
func TestCallWithoutStartDoesNotEndTheListing(t *testing.T) {
	api := &fakeAPI{}
	for i := range 5 {
		c := call(i, t0.Add(-time.Duration(i)*time.Hour))
		if i == 1 {
			c.StartedAt = time.Time{}
		}
		api.calls = append(api.calls, c)
	}
	res, err := Run(context.Background(), api, Query{From: t0.Add(-24 * time.Hour)}, newMemJournal(t, nil), newMemWriter(), Options{})
	if err != nil || res.Listed != 5 {
		t.Fatalf("listed %d, %v; want all 5", res.Listed, err)
	}
}

// A listing that ends early (records arrived faster than it was paged)
// keeps what was read but is not complete: the cursor must not move.
func TestIncompleteListingIsNotComplete(t *testing.T) {
	api := &fakeAPI{failAfter: 3, failList: fmt.Errorf("%w: shifted", ErrIncomplete)}
	for i := range 5 {
		api.calls = append(api.calls, call(i, t0.Add(-time.Duration(i)*time.Hour)))
	}
	res, err := Run(context.Background(), api, Query{From: t0.Add(-24 * time.Hour)}, newMemJournal(t, nil), newMemWriter(), Options{})
	if err != nil || res.Complete || !errors.Is(res.Stop, ErrIncomplete) || res.Written != 3 {
		t.Fatalf("result %+v, %v; want 3 written, stopped incomplete", res, err)
	}
}

func TestDetailFailures(t *testing.T) {
	api := &fakeAPI{details: map[string]record.Call{}, failGet: map[string]error{"call_2": errors.New("502 after retries")}}
	for i := range 4 {
		c := call(i, t0.Add(-time.Duration(i)*time.Minute))
		api.calls = append(api.calls, c)
		api.details[c.ID] = withDetails(c)
	}
	w := newMemWriter()
	j := newMemJournal(t, w)
	res, err := Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, j, w, Options{Details: true})
	if err != nil || res.DetailFailed != 1 || res.Written != 4 || !res.Complete {
		t.Fatalf("%+v %v", res, err)
	}
	if j.known["call_2"].ListHash != "" {
		t.Fatal("a call whose details failed must be fetched again next run")
	}
	api.failGet["call_1"] = fmt.Errorf("%w: day spent", ErrQuota)
	w = newMemWriter()
	res, err = Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, newMemJournal(t, w), w, Options{Details: true})
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
