package push

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
)

// fakeAPI is an in-memory API with scripted failures. It checks that every
// write was journaled in flight before it arrived.
type fakeAPI struct {
	mu       sync.Mutex
	t        *testing.T
	j        *fakeJournal
	contacts map[string]record.Contact // id -> contact
	next     int
	requests int
	// fail returns an error for a request, or nil; applied reports
	// whether an ambiguous failure still applied the change.
	fail func(op string, c record.Contact) (err error, applied bool)
}

func newFakeAPI(t *testing.T, j *fakeJournal) *fakeAPI {
	return &fakeAPI{t: t, j: j, contacts: map[string]record.Contact{}}
}

func (a *fakeAPI) script(op string, c record.Contact) (error, bool) {
	a.requests++
	if a.fail == nil {
		return nil, false
	}
	return a.fail(op, c)
}

func (a *fakeAPI) mustBeInFlight(key string) {
	if st := a.j.state(key); st != "in_flight" {
		a.t.Errorf("request for %s sent while its journal state is %q, want in_flight", key, st)
	}
}

func (a *fakeAPI) Create(_ context.Context, c record.Contact) (Remote, error) {
	a.mustBeInFlight(c.Key)
	a.mu.Lock()
	defer a.mu.Unlock()
	err, applied := a.script("create", c)
	if err != nil && !applied {
		return Remote{}, err
	}
	a.next++
	id := fmt.Sprintf("c%d", a.next)
	a.contacts[id] = c
	return Remote{ID: id, Contact: c}, err
}

func (a *fakeAPI) Update(_ context.Context, id string, p Patch) (Remote, error) {
	a.mustBeInFlight(p.Contact.Key)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err, _ := a.script("update", p.Contact); err != nil {
		return Remote{}, err
	}
	if _, ok := a.contacts[id]; !ok {
		return Remote{}, ErrNotFound
	}
	a.contacts[id] = p.Contact
	return Remote{ID: id, Contact: p.Contact}, nil
}

func (a *fakeAPI) Delete(_ context.Context, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if _, ok := a.contacts[id]; !ok {
		return ErrNotFound
	}
	delete(a.contacts, id)
	return nil
}

func (a *fakeAPI) MarkDNC(_ context.Context, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	return nil
}

func (a *fakeAPI) FindByPhone(_ context.Context, phone string) ([]Remote, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err, _ := a.script("find", record.Contact{Phone: phone}); err != nil {
		return nil, err
	}
	var out []Remote
	for id, c := range a.contacts {
		if c.Phone == phone {
			out = append(out, Remote{ID: id, Contact: c})
		}
	}
	return out, nil
}

func (a *fakeAPI) phones() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := map[string]int{}
	for _, c := range a.contacts {
		n[c.Phone]++
	}
	return n
}

// fakeJournal keeps the last state of every key.
type fakeJournal struct {
	mu      sync.Mutex
	states  map[string]string
	entries map[string]Entry
	err     error
}

func newFakeJournal() *fakeJournal {
	return &fakeJournal{states: map[string]string{}, entries: map[string]Entry{}}
}

func (j *fakeJournal) set(e Entry, st string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	j.states[e.Key], j.entries[e.Key] = st, e
	return nil
}
func (j *fakeJournal) state(key string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.states[key]
}
func (j *fakeJournal) MarkInFlight(_ context.Context, e Entry) error { return j.set(e, "in_flight") }
func (j *fakeJournal) Confirm(_ context.Context, e Entry, _ Attempt) error {
	return j.set(e, "synced")
}
func (j *fakeJournal) Fail(_ context.Context, e Entry, _ Attempt) error { return j.set(e, "failed") }
func (j *fakeJournal) InDoubt(_ context.Context, e Entry, _ Attempt) error {
	return j.set(e, "in_doubt")
}
func (j *fakeJournal) KeepAsDNC(_ context.Context, e Entry, _ Attempt) error {
	return j.set(e, "dnc")
}
func (j *fakeJournal) Unsent(_ context.Context, e Entry, _ Attempt) error {
	return j.set(e, "pending")
}
func (j *fakeJournal) Remove(_ context.Context, e Entry, _ Attempt) error { return j.set(e, "removed") }

func contact(i int) record.Contact {
	return record.Contact{Key: fmt.Sprint("k", i), Phone: fmt.Sprintf("+1415555%04d", i), FirstName: fmt.Sprint("N", i)}
}

func creates(n int) iter.Seq[Task] {
	return func(yield func(Task) bool) {
		for i := range n {
			c := contact(i)
			if !yield(Task{Op: OpCreate, Entry: Entry{Key: c.Key, Contact: c}, Row: record.Row{Line: i + 2, Values: []string{c.Key}}}) {
				return
			}
		}
	}
}

func TestCreatesAndFailures(t *testing.T) {
	boom := errors.New("502 after retries")
	tests := []struct {
		name      string
		fail      func(op string, c record.Contact) (error, bool)
		want      Counts
		wantStop  Stop
		wantPhone int // contacts expected remotely
	}{
		{"all created", nil, Counts{Created: 50}, StopNone, 50},
		{"400 is a row error, the rest go on", func(op string, c record.Contact) (error, bool) {
			if c.Key == "k7" {
				return fmt.Errorf("%w: phone invalid", ErrRejected), false
			}
			return nil, false
		}, Counts{Created: 49, Rejected: 1}, StopNone, 49},
		{"transient failure counted failed", func(op string, c record.Contact) (error, bool) {
			if c.Key == "k3" {
				return boom, false
			}
			return nil, false
		}, Counts{Created: 49, Failed: 1}, StopNone, 49},
		{"ambiguous create that applied is found, not duplicated", func(op string, c record.Contact) (error, bool) {
			if op == "create" && c.Key == "k5" {
				return ErrAmbiguous, true
			}
			return nil, false
		}, Counts{Created: 50}, StopNone, 50},
		{"ambiguous create that did not apply is sent once more", func(op string, c record.Contact) (error, bool) {
			if op == "create" && c.Key == "k5" {
				return ErrAmbiguous, false
			}
			return nil, false
		}, Counts{Created: 49, InDoubt: 1}, StopNone, 49},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := newFakeJournal()
			api := newFakeAPI(t, j)
			api.fail = tc.fail
			var rejects []*record.RowError
			res := Run(context.Background(), creates(50), api, j, Options{Workers: 4, OnReject: func(e *record.RowError) { rejects = append(rejects, e) }})
			if res.Counts != tc.want || res.Stop != tc.wantStop {
				t.Fatalf("result %+v stop %v, want %+v stop %v", res.Counts, res.Stop, tc.want, tc.wantStop)
			}
			for phone, n := range api.phones() {
				if n > 1 {
					t.Fatalf("phone %s created %d times", phone, n)
				}
			}
			if got := len(api.phones()); got != tc.wantPhone {
				t.Fatalf("%d contacts remotely, want %d", got, tc.wantPhone)
			}
			if len(rejects) != tc.want.Rejected || (len(rejects) == 1 && (rejects[0].Line != 9 || rejects[0].Code != "api_rejected")) {
				t.Fatalf("rejects = %+v", rejects)
			}
		})
	}
}

// TestAmbiguousThenNotSentStaysInDoubt: after an ambiguous create and a
// lookup that found nothing, the second create is not sent (a quota, a
// signal); the first may still land, so the record stays in doubt, for
// a lookup next run, not pending for a blind create.
func TestAmbiguousThenNotSentStaysInDoubt(t *testing.T) {
	for _, stop := range []error{ErrQuota, ErrNotSent} {
		t.Run(stop.Error(), func(t *testing.T) {
			j := newFakeJournal()
			api := newFakeAPI(t, j)
			creates := 0
			api.fail = func(op string, c record.Contact) (error, bool) {
				if op == "create" {
					if creates++; creates == 2 {
						return stop, false
					}
					return ErrAmbiguous, false
				}
				return nil, false
			}
			res := Run(context.Background(), slices.Values([]Task{{Op: OpCreate, Entry: Entry{Key: "k1", Contact: contact(1)}}}), api, j, Options{Workers: 1})
			if st := j.state("k1"); st != "in_doubt" || res.Stop == StopNone || res.Counts.Deferred != 1 {
				t.Fatalf("state %q, result %+v stop %v; want in doubt, deferred, stopped", st, res.Counts, res.Stop)
			}
		})
	}
}

func TestAmbiguousTwiceStaysInDoubt(t *testing.T) {
	j := newFakeJournal()
	api := newFakeAPI(t, j)
	api.fail = func(op string, c record.Contact) (error, bool) {
		if op == "create" && c.Key == "k1" {
			return ErrAmbiguous, false
		}
		return nil, false
	}
	res := Run(context.Background(), creates(3), api, j, Options{})
	if res.InDoubt != 1 || j.state("k1") != "in_doubt" {
		t.Fatalf("result %+v, k1 %q: want one in doubt", res.Counts, j.state("k1"))
	}
}

// TestFailedLookupStaysInDoubt: a record whose create may have been
// applied is only ever created again after a phone search that answered.
// Any failed search leaves it in doubt, so the next run searches again
// rather than POSTing a duplicate.
func TestFailedLookupStaysInDoubt(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantStop Stop
	}{
		{"transient failure after retries", errors.New("503 after retries"), StopNone},
		{"quota spent", fmt.Errorf("%w: day spent", ErrQuota), StopQuota},
		{"key refused", fmt.Errorf("%w: 401", ErrFatal), StopFatal},
		{"forbidden", ErrForbidden, StopFatal},
	}
	for _, tc := range tests {
		for _, op := range []Op{OpReconcile, OpCreate} {
			t.Run(tc.name+"/"+op.String(), func(t *testing.T) {
				j := newFakeJournal()
				api := newFakeAPI(t, j)
				c := contact(1)
				api.fail = func(o string, got record.Contact) (error, bool) {
					switch o {
					case "create":
						return ErrAmbiguous, true // applied, but the answer was lost
					case "find":
						return tc.err, false
					}
					return nil, false
				}
				task := Task{Op: op, Entry: Entry{Key: c.Key, Contact: c}}
				if op == OpReconcile {
					api.contacts["r0"] = c // the earlier run's create did apply
				}
				res := Run(context.Background(), slices.Values([]Task{task}), api, j, Options{Workers: 1})
				if st := j.state(c.Key); st != "in_doubt" {
					t.Fatalf("journal state %q, want in_doubt", st)
				}
				if res.Stop != tc.wantStop || res.Created != 0 || res.Failed != 0 {
					t.Fatalf("result %+v stop %v, want stop %v and nothing created or failed", res.Counts, res.Stop, tc.wantStop)
				}
				if n := api.phones()[c.Phone]; n != 1 {
					t.Fatalf("the account holds %d contacts with the phone, want 1", n)
				}
			})
		}
	}
}

func TestStops(t *testing.T) {
	tests := []struct {
		name     string
		fail     error
		wantStop Stop
	}{
		{"quota", fmt.Errorf("%w: day spent", ErrQuota), StopQuota},
		{"fatal", fmt.Errorf("%w: 401", ErrFatal), StopFatal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := newFakeJournal()
			api := newFakeAPI(t, j)
			api.fail = func(op string, c record.Contact) (error, bool) {
				if c.Key == "k10" {
					return tc.fail, false
				}
				return nil, false
			}
			res := Run(context.Background(), creates(100), api, j, Options{Workers: 1})
			if res.Stop != tc.wantStop || !errors.Is(res.Err, tc.fail) {
				t.Fatalf("stop %v err %v, want %v", res.Stop, res.Err, tc.wantStop)
			}
			if res.Created != 10 || res.Created+res.Deferred+res.Failed != 100 {
				t.Fatalf("counts %+v: want 10 created and the rest not sent", res.Counts)
			}
			if api.requests != 11 {
				t.Fatalf("%d requests, want 11: nothing sent after the stop", api.requests)
			}
		})
	}
}

func TestContactCapStopsCreatesOnly(t *testing.T) {
	j := newFakeJournal()
	api := newFakeAPI(t, j)
	api.contacts["r1"] = contact(900)
	api.fail = func(op string, c record.Contact) (error, bool) {
		if op == "create" && api.next >= 3 {
			return ErrForbidden, false
		}
		return nil, false
	}
	tasks := func(yield func(Task) bool) {
		for t := range creates(6) {
			if !yield(t) {
				return
			}
		}
		up := contact(900)
		prev := up
		up.LastName = "Changed"
		yield(Task{Op: OpUpdate, Entry: Entry{Key: up.Key, Contact: up, RemoteID: "r1"}, Previous: &prev})
	}
	res := Run(context.Background(), tasks, api, j, Options{Workers: 1})
	if res.Created != 3 || res.Updated != 1 || res.Deferred != 3 || res.Stop != StopNone || !res.CapReached {
		t.Fatalf("result %+v stop %v: want 3 created, the update done, 3 creates deferred", res.Counts, res.Stop)
	}
}

func TestUpdateAdoptAndGone(t *testing.T) {
	j := newFakeJournal()
	api := newFakeAPI(t, j)
	same := contact(1)
	api.contacts["r1"] = same
	changed := contact(2)
	api.contacts["r2"] = changed
	newer := changed
	newer.Email = "n2@example.com"
	gone := contact(3)
	goneBefore := gone
	goneBefore.FirstName = "Old"
	tasks := slices.Values([]Task{
		{Op: OpAdopt, Entry: Entry{Key: same.Key, Contact: same, RemoteID: "r1"}, Previous: &same},
		{Op: OpAdopt, Entry: Entry{Key: changed.Key, Contact: newer, RemoteID: "r2"}, Previous: &changed},
		{Op: OpUpdate, Entry: Entry{Key: gone.Key, Contact: gone, RemoteID: "r-deleted-elsewhere"}, Previous: &goneBefore},
	})
	before := api.requests
	res := Run(context.Background(), tasks, api, j, Options{Workers: 1})
	if res.Adopted != 2 || res.Created != 1 {
		t.Fatalf("result %+v", res.Counts)
	}
	// The identical adoption costs nothing, the changed one a PATCH, and
	// the contact deleted elsewhere a 404 PATCH then a create.
	if n := api.requests - before; n != 3 {
		t.Fatalf("%d requests, want 3 (one PATCH for the changed adoption, one for the gone contact, one create)", n)
	}
	if e := j.entries[same.Key]; e.Origin != "adopted" || e.RemoteID != "r1" {
		t.Fatalf("adopted entry = %+v", e)
	}
}

func TestChangedFields(t *testing.T) {
	a := record.Contact{FirstName: "Ada", Tags: []string{"x"}}
	b := record.Contact{FirstName: "Ada", LastName: "L", Tags: []string{"x", "y"}, Metadata: map[string]string{"k": "v"}}
	if got := ChangedFields(a, b); !slices.Equal(got, []string{"last_name", "tags", "metadata"}) {
		t.Fatalf("ChangedFields = %v", got)
	}
	if got := ChangedFields(a, a); len(got) != 0 {
		t.Fatalf("ChangedFields(a, a) = %v", got)
	}
}

func TestJournalFailureStops(t *testing.T) {
	j := newFakeJournal()
	j.err = errors.New("disk full")
	api := newFakeAPI(t, j)
	res := Run(context.Background(), creates(5), api, j, Options{Workers: 1})
	if res.Stop != StopFatal || !IsJournalError(res.Err) || api.requests != 0 {
		t.Fatalf("stop %v err %v requests %d: want a fatal stop before any request", res.Stop, res.Err, api.requests)
	}
}

func TestCancelStopsTakingWork(t *testing.T) {
	j := newFakeJournal()
	api := newFakeAPI(t, j)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	res := Run(ctx, creates(20), api, j, Options{Workers: 1, OnDone: func(Task, string) {
		if n++; n == 5 {
			cancel()
		}
	}})
	if res.Stop != StopCanceled || res.Created < 5 || res.Created > 6 || res.Created+res.Deferred != 20 {
		t.Fatalf("result %+v stop %v", res.Counts, res.Stop)
	}
}
