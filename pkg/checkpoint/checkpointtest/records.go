package checkpointtest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
)

func testRoundTrip(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	created := Epoch.Add(-time.Hour)
	want := checkpoint.Record{
		Pipeline: p, Key: "ext-1", RowHash: "aa11", ContactHash: "bb22",
		Contact: `{"name":"Ada","phone":"+447700900001"}`, RemoteID: "c_123",
		Origin: checkpoint.OriginCreated, State: checkpoint.StateSynced, Attempts: 2,
		LastError: "earlier", Line: 42, Phone: "+447700900001",
		CreatedAt: created, SyncedAt: Epoch.Add(-time.Minute),
	}
	must(t, s.Upsert(t.Context(), want))
	must(t, s.Flush(t.Context()))
	got := get(t, s, p, "ext-1")
	want.UpdatedAt = Epoch
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if _, ok, err := s.Get(t.Context(), p, "absent"); err != nil || ok {
		t.Fatalf("Get(absent) = ok %v, err %v", ok, err)
	}
	if _, ok, _ := s.Get(t.Context(), e.name("other"), "ext-1"); ok {
		t.Fatal("a record leaked into another pipeline")
	}
}

func testTransitions(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx := t.Context()
	rec := checkpoint.Record{Pipeline: p, Key: "a", Phone: "+15550000001", Line: 3, RowHash: "ignored"}
	steps := []struct {
		name  string
		do    func() error
		check func(r checkpoint.Record) bool
	}{
		{"mark inserts in_flight without confirmed fields", func() error { return s.MarkInFlight(ctx, rec) },
			func(r checkpoint.Record) bool {
				return r.State == checkpoint.StateInFlight && r.Attempts == 1 && r.RowHash == "" && r.Phone == rec.Phone && r.Line == 3
			}},
		{"sending stamps the in-flight record's time", func() error { e.clk.Advance(time.Minute); return s.Sending(ctx, rec) },
			func(r checkpoint.Record) bool {
				return r.State == checkpoint.StateInFlight && r.Attempts == 1 && r.UpdatedAt.Equal(Epoch.Add(time.Minute))
			}},
		{"fail keeps identity and stores the error", func() error {
			return s.Fail(ctx, rec, checkpoint.Attempt{Action: checkpoint.ActionCreate, Status: 422, Outcome: "refused", Error: "bad phone"})
		}, func(r checkpoint.Record) bool {
			return r.State == checkpoint.StateFailed && r.LastError == "bad phone" && r.Attempts == 1
		}},
		{"sending leaves a record no longer in flight alone", func() error { e.clk.Advance(time.Minute); return s.Sending(ctx, rec) },
			func(r checkpoint.Record) bool {
				return r.State == checkpoint.StateFailed && r.UpdatedAt.Equal(Epoch.Add(time.Minute))
			}},
		{"second mark counts the attempt", func() error { return s.MarkInFlight(ctx, rec) },
			func(r checkpoint.Record) bool { return r.State == checkpoint.StateInFlight && r.Attempts == 2 }},
		{"in doubt", func() error {
			return s.InDoubt(ctx, rec, checkpoint.Attempt{Action: checkpoint.ActionCreate, Outcome: "timeout", Error: "deadline"})
		}, func(r checkpoint.Record) bool { return r.State == checkpoint.StateInDoubt && r.LastError == "deadline" }},
		{"confirm stores everything and resets", func() error {
			c := rec
			c.RowHash, c.ContactHash, c.RemoteID, c.Origin, c.Contact = "r1", "c1", "id9", checkpoint.OriginAdopted, "{}"
			return s.Confirm(ctx, c, checkpoint.Attempt{Action: checkpoint.ActionReconcile, Status: 200, Outcome: "ok"})
		}, func(r checkpoint.Record) bool {
			return r.State == checkpoint.StateSynced && r.Attempts == 0 && r.LastError == "" && r.RowHash == "r1" &&
				r.RemoteID == "id9" && r.Origin == checkpoint.OriginAdopted && r.SyncedAt.Equal(Epoch.Add(2*time.Minute))
		}},
		{"mark of an update keeps the confirmed fields", func() error {
			u := rec
			u.RemoteID = "id9"
			return s.MarkInFlight(ctx, u)
		}, func(r checkpoint.Record) bool {
			return r.State == checkpoint.StateInFlight && r.RowHash == "r1" && r.RemoteID == "id9"
		}},
		{"mark of a create clears the remote id of a contact gone from the account", func() error { return s.MarkInFlight(ctx, rec) },
			func(r checkpoint.Record) bool {
				return r.State == checkpoint.StateInFlight && r.RowHash == "r1" && r.RemoteID == ""
			}},
		{"a delete's mark keeps the phone and line it does not know", func() error {
			return s.MarkInFlight(ctx, checkpoint.Record{Pipeline: p, Key: "a", RemoteID: "id9"})
		}, func(r checkpoint.Record) bool {
			return r.State == checkpoint.StateInFlight && r.Phone == rec.Phone && r.Line == 3 && r.RemoteID == "id9"
		}},
		{"kept as do-not-call with everything it held", func() error {
			return s.KeepAsDNC(ctx, checkpoint.Record{Pipeline: p, Key: "a"}, checkpoint.Attempt{Action: checkpoint.ActionDNC, Status: 200, Outcome: "ok"})
		}, func(r checkpoint.Record) bool {
			return r.State == checkpoint.StateSynced && r.Origin == checkpoint.OriginDNC && r.RowHash == "r1" && r.ContactHash == "c1" &&
				r.RemoteID == "id9" && r.Phone == rec.Phone && r.Attempts == 0
		}},
	}
	for _, st := range steps {
		must(t, st.do())
		must(t, s.Flush(ctx))
		if r := get(t, s, p, "a"); !st.check(r) {
			t.Fatalf("%s: got %+v", st.name, r)
		}
	}
	must(t, s.Remove(ctx, rec, checkpoint.Attempt{Action: checkpoint.ActionDelete, Status: 204, Outcome: "ok"}))
	must(t, s.Flush(ctx))
	if _, ok, _ := s.Get(ctx, p, "a"); ok {
		t.Fatal("removed record still present")
	}
	atts, err := s.Attempts(ctx, p, "a")
	must(t, err)
	var actions []checkpoint.Action
	for _, a := range atts {
		actions = append(actions, a.Action)
	}
	wantActions := []checkpoint.Action{checkpoint.ActionCreate, checkpoint.ActionCreate, checkpoint.ActionReconcile, checkpoint.ActionDNC, checkpoint.ActionDelete}
	if !slices.Equal(actions, wantActions) || atts[0].Status != 422 || atts[0].Key != "a" {
		t.Fatalf("history after remove = %+v", atts)
	}
}

func testStreamPaging(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	const n = PageSize*5 + 3
	for _, i := range scrambled(n) {
		must(t, s.Upsert(t.Context(), checkpoint.Record{Pipeline: p, Key: key(i)}))
	}
	must(t, s.Upsert(t.Context(), checkpoint.Record{Pipeline: e.name("other"), Key: key(0)}))
	must(t, s.Flush(t.Context()))
	got := collect(t, s.Records(t.Context(), p))
	if len(got) != n {
		t.Fatalf("streamed %d records, want %d", len(got), n)
	}
	for i, r := range got {
		if r.Key != key(i) || r.Pipeline != p || r.State != checkpoint.StatePending {
			t.Fatalf("record %d = %+v", i, r)
		}
	}
	seen := 0
	for range s.Records(t.Context(), p) {
		if seen++; seen == PageSize+2 {
			break // stopping early must be allowed
		}
	}
}

func testBaseline(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	const n = PageSize*3 + 2
	for _, i := range scrambled(n) {
		must(t, s.Confirm(t.Context(), checkpoint.Record{Pipeline: p, Key: key(i), RowHash: "r" + key(i), ContactHash: "c" + key(i),
			Contact: `{"first_name":"Ada"}`, RemoteID: "id" + key(i), Origin: checkpoint.OriginCreated, Phone: "+1555000" + key(i)}, checkpoint.Attempt{}))
	}
	must(t, s.MarkInFlight(t.Context(), checkpoint.Record{Pipeline: p, Key: key(n), Phone: "+15550009999"}))
	must(t, s.Upsert(t.Context(), checkpoint.Record{Pipeline: e.name("other"), Key: key(0)}))
	must(t, s.Flush(t.Context()))
	var got []checkpoint.BaselineRecord
	for r, err := range s.Baseline(t.Context(), p) {
		must(t, err)
		got = append(got, r)
	}
	if len(got) != n+1 {
		t.Fatalf("streamed %d records, want %d", len(got), n+1)
	}
	for i, r := range got[:n] {
		want := checkpoint.BaselineRecord{Key: key(i), RowHash: "r" + key(i), ContactHash: "c" + key(i), RemoteID: "id" + key(i),
			Origin: checkpoint.OriginCreated, State: checkpoint.StateSynced, Phone: "+1555000" + key(i)}
		if r != want {
			t.Fatalf("record %d = %+v, want %+v", i, r, want)
		}
	}
	if last := got[n]; last.Key != key(n) || last.State != checkpoint.StateInFlight || last.RowHash != "" {
		t.Fatalf("in-flight record = %+v", last)
	}
	seen := 0
	for range s.Baseline(t.Context(), p) {
		if seen++; seen == 3 {
			break // stopping early must release the read
		}
	}
	must(t, s.Upsert(t.Context(), checkpoint.Record{Pipeline: p, Key: "after-break"}))
	must(t, s.Flush(t.Context()))
}

// testKeyByteOrder checks that keys stream in byte order, whatever the
// database's locale: upper case before lower case, punctuation by code,
// non-ASCII last, and across pages.
func testKeyByteOrder(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	keys := []string{"b", "a", "B", "A", "_x", "a b", "ab", "a-b", "Z", "z", "0", "~", "é", "e", "f", "ä", "Ä", "a_c", "aB"}
	for _, k := range keys {
		must(t, s.Upsert(t.Context(), checkpoint.Record{Pipeline: p, Key: k, State: checkpoint.StateFailed}))
	}
	must(t, s.Flush(t.Context()))
	want := slices.Clone(keys)
	slices.Sort(want) // Go compares strings byte-wise
	streams := []struct {
		name string
		seq  func(func(checkpoint.Record, error) bool)
	}{
		{"Records", s.Records(t.Context(), p)},
		{"ByState", s.ByState(t.Context(), p, checkpoint.StateFailed)},
	}
	for _, st := range streams {
		var got []string
		for _, r := range collect(t, st.seq) {
			got = append(got, r.Key)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s keys = %q\nwant %q", st.name, got, want)
		}
	}
}

// testLongNames stores names and keys longer than any column size a
// schema might declare: a store must not refuse what another accepts.
func testLongNames(e *env) {
	t, s := e.t, e.store()
	ctx := t.Context()
	p := e.name("p") + strings.Repeat("p", 300)
	k := strings.Repeat("k", 1000)
	h := e.name("key") + strings.Repeat("h", 100)
	must(t, s.MarkInFlight(ctx, checkpoint.Record{Pipeline: p, Key: k, Phone: "+15550000001"}))
	must(t, s.Confirm(ctx, checkpoint.Record{Pipeline: p, Key: k, RemoteID: strings.Repeat("r", 300)},
		checkpoint.Attempt{Action: checkpoint.ActionCreate, Outcome: strings.Repeat("o", 100)}))
	must(t, s.Flush(ctx))
	if r := get(t, s, p, k); r.State != checkpoint.StateSynced || len(r.RemoteID) != 300 {
		t.Fatalf("long record = %+v", r)
	}
	if _, ok, err := s.SpendQuota(ctx, h, strings.Repeat("d", 40), 1, 5); err != nil || !ok {
		t.Fatalf("spend with a long key hash = %v, %v", ok, err)
	}
	must(t, s.SetCursor(ctx, p, strings.Repeat("c", 300), "v"))
	if ok, _, _, err := s.AcquireLock(ctx, p, strings.Repeat("o", 300), time.Minute); err != nil || !ok {
		t.Fatalf("lock with long names = %v, %v", ok, err)
	}
	must(t, s.Err())
}

// scrambled returns 0..n-1 out of order: even numbers descending, then
// odd ones ascending.
func scrambled(n int) []int {
	var out []int
	for i := n - 1; i >= 0; i-- {
		if i%2 == 0 {
			out = append(out, i)
		}
	}
	for i := 1; i < n; i += 2 {
		out = append(out, i)
	}
	return out
}

func testByState(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx := t.Context()
	const n = PageSize*3 + 1
	for i := range n {
		r := checkpoint.Record{Pipeline: p, Key: key(i), State: checkpoint.StateSynced}
		if i%2 == 0 {
			r.State = checkpoint.StateInFlight
		}
		if i%3 == 0 {
			r.State = checkpoint.StateInDoubt
		}
		must(t, s.Upsert(ctx, r))
	}
	must(t, s.Flush(ctx))
	var keys []string
	for r, err := range s.ByState(ctx, p, checkpoint.StateInFlight, checkpoint.StateInDoubt) {
		must(t, err)
		keys = append(keys, r.Key)
		// Resolving records while streaming them must not skip any.
		must(t, s.Confirm(ctx, r, checkpoint.Attempt{}))
		must(t, s.Flush(ctx))
	}
	var want []string
	for i := range n {
		if i%2 == 0 || i%3 == 0 {
			want = append(want, key(i))
		}
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("ByState keys = %v\nwant %v", keys, want)
	}
	if left := collect(t, s.ByState(ctx, p, checkpoint.StateInFlight, checkpoint.StateInDoubt)); len(left) != 0 {
		t.Fatalf("%d records still unresolved", len(left))
	}
	if none := collect(t, s.ByState(ctx, p)); len(none) != 0 {
		t.Fatalf("ByState with no states yielded %d records", len(none))
	}
}

func testCountByState(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	want := map[checkpoint.State]int{checkpoint.StatePending: 3, checkpoint.StateFailed: 2, checkpoint.StateSynced: 1}
	i := 0
	for st, n := range want {
		for range n {
			must(t, s.Upsert(t.Context(), checkpoint.Record{Pipeline: p, Key: key(i), State: st}))
			i++
		}
	}
	must(t, s.Flush(t.Context()))
	got, err := s.CountByState(t.Context(), p)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CountByState = %v, want %v", got, want)
	}
	empty, err := s.CountByState(t.Context(), e.name("empty"))
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty pipeline counts = %v, %v", empty, err)
	}
}

func testInvalid(e *env) {
	t, s := e.t, e.store()
	ctx := t.Context()
	cases := []struct {
		name string
		err  error
	}{
		{"mark without key", s.MarkInFlight(ctx, checkpoint.Record{Pipeline: "p"})},
		{"confirm without pipeline", s.Confirm(ctx, checkpoint.Record{Key: "k"}, checkpoint.Attempt{})},
		{"negative spend", func() error { _, _, err := s.SpendQuota(ctx, "h", "d", -1, 5); return err }()},
		{"zero ttl", func() error { _, _, _, err := s.AcquireLock(ctx, "p", "o", 0); return err }()},
		{"unserializable counts", s.FinishRun(ctx, 1, 0, func() {})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, checkpoint.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", tc.err)
			}
		})
	}
	must(t, s.Err())
}

func testAttemptsCap(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	rec := checkpoint.Record{Pipeline: p, Key: "k"}
	for i := range 25 {
		e.clk.Advance(time.Second)
		must(t, s.Fail(t.Context(), rec, checkpoint.Attempt{Action: checkpoint.ActionUpdate, Status: 500 + i, RequestID: key(i)}))
	}
	must(t, s.Confirm(t.Context(), checkpoint.Record{Pipeline: p, Key: "other"}, checkpoint.Attempt{Action: checkpoint.ActionCreate}))
	must(t, s.Flush(t.Context()))
	atts, err := s.Attempts(t.Context(), p, "k")
	must(t, err)
	if len(atts) != 20 {
		t.Fatalf("kept %d attempts, want 20", len(atts))
	}
	for i, a := range atts {
		if a.RequestID != key(i+5) || a.Status != 505+i || !a.At.Equal(Epoch.Add(time.Duration(i+6)*time.Second)) {
			t.Fatalf("attempt %d = %+v", i, a)
		}
	}
	if other, _ := s.Attempts(t.Context(), p, "other"); len(other) != 1 {
		t.Fatalf("other record's history = %+v", other)
	}
}
