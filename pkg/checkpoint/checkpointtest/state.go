package checkpointtest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
)

func testRuns(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx := t.Context()
	steps := []struct {
		name      string
		dry       bool
		finish    bool
		wantDirty bool
	}{
		{"first run ever", false, false, false},
		{"after a crashed run", false, true, true},
		{"after a finished run", false, false, false},
		{"dry run after a crash", true, false, true},
		{"crashed dry runs do not count", false, true, true},
		{"after the finished run", false, true, false},
	}
	var ids []int64
	for _, st := range steps {
		e.clk.Advance(time.Minute)
		id, dirty, err := s.BeginRun(ctx, p, st.dry)
		must(t, err)
		if dirty != st.wantDirty {
			t.Fatalf("%s: lastDirty = %v, want %v", st.name, dirty, st.wantDirty)
		}
		if st.finish {
			must(t, s.FinishRun(ctx, id, 3, map[string]int{"created": 2}))
		}
		ids = append(ids, id)
	}
	runs, err := s.LastRuns(ctx, p, 2)
	must(t, err)
	if len(runs) != 2 || runs[0].ID != ids[5] || runs[1].ID != ids[4] {
		t.Fatalf("LastRuns = %+v, want ids %d, %d", runs, ids[5], ids[4])
	}
	r := runs[0]
	if r.Dirty || r.ExitCode != 3 || r.Counts != `{"created":2}` || r.Pipeline != p ||
		!r.StartedAt.Equal(Epoch.Add(6*time.Minute)) || !r.FinishedAt.Equal(r.StartedAt) || r.DryRun {
		t.Fatalf("finished run = %+v", r)
	}
	if all, _ := s.LastRuns(ctx, p, 100); len(all) != len(steps) || !all[2].Dirty || !all[2].DryRun || !all[2].FinishedAt.IsZero() {
		t.Fatalf("all runs = %+v", all)
	}
	e.clk.Advance(time.Minute)
	dry, _, err := s.BeginRun(ctx, p, true)
	must(t, err)
	must(t, s.FinishRun(ctx, dry, 3, nil))
	finished := []struct {
		name   string
		codes  []int
		wantID int64
	}{
		{"newest finished non-dry run with the code", []int{3}, ids[5]},
		{"any of the codes", []int{0, 3}, ids[5]},
		{"no run with the code", []int{0}, 0},
		{"no codes", nil, 0},
	}
	for _, f := range finished {
		run, ok, err := s.LastFinishedRun(ctx, p, f.codes...)
		must(t, err)
		if ok != (f.wantID != 0) || run.ID != f.wantID {
			t.Fatalf("%s: LastFinishedRun(%v) = %d, %v, want %d", f.name, f.codes, run.ID, ok, f.wantID)
		}
	}
	if err := s.FinishRun(ctx, -1, 0, nil); !errors.Is(err, checkpoint.ErrUnknownRun) {
		t.Fatalf("FinishRun(unknown) = %v, want ErrUnknownRun", err)
	}
}

func testQuota(e *env) {
	t, s, h := e.t, e.store(), e.name("key")
	ctx := t.Context()
	steps := []struct {
		name     string
		day      string
		spend    int // < 0: refund -spend
		limit    int
		wantUsed int
		wantOK   bool
		raise    int // > 0: RaiseQuota to raise instead of spending
	}{
		{"first spend", "2026-03-01", 3, 5, 3, true, 0},
		{"up to the limit", "2026-03-01", 2, 5, 5, true, 0},
		{"over the limit spends nothing", "2026-03-01", 1, 5, 5, false, 0},
		{"refund", "2026-03-01", -2, 0, 3, true, 0},
		{"spend after refund", "2026-03-01", 2, 5, 5, true, 0},
		{"batch too big", "2026-03-01", 9, 100, 14, true, 0},
		{"refund never goes negative", "2026-03-01", -50, 0, 0, true, 0},
		{"days are separate", "19783", 4, 4, 4, true, 0},
		{"no limit", "19784", 1000, 0, 1000, true, 0},
		{"raise to what the server counted", "19785", 0, 0, 40, true, 40},
		{"raise never lowers", "19785", 0, 0, 40, true, 12},
		{"spend after a raise", "19785", 3, 50, 43, true, 0},
		{"a raise past the limit stops spending", "19785", 0, 0, 50, true, 50},
		{"spent after the raise", "19785", 1, 50, 50, false, 0},
	}
	for _, st := range steps {
		if st.raise > 0 {
			used, err := s.RaiseQuota(ctx, h, st.day, st.raise)
			must(t, err)
			if used != st.wantUsed {
				t.Fatalf("%s: RaiseQuota used %d, want %d", st.name, used, st.wantUsed)
			}
		} else if st.spend < 0 {
			must(t, s.RefundQuota(ctx, h, st.day, -st.spend))
		} else {
			used, ok, err := s.SpendQuota(ctx, h, st.day, st.spend, st.limit)
			must(t, err)
			if used != st.wantUsed || ok != st.wantOK {
				t.Fatalf("%s: used %d ok %v, want %d %v", st.name, used, ok, st.wantUsed, st.wantOK)
			}
		}
		if used, err := s.QuotaUsed(ctx, h, st.day); err != nil || used != st.wantUsed {
			t.Fatalf("%s: QuotaUsed = %d, %v, want %d", st.name, used, err, st.wantUsed)
		}
	}
	if used, _ := s.QuotaUsed(ctx, e.name("key"), "2026-03-01"); used != 0 {
		t.Fatalf("unknown key used %d", used)
	}
}

// spendAll makes workers goroutines spend one request at a time from
// stores until refused, and returns how many spends succeeded.
func spendAll(t *testing.T, stores []checkpoint.Store, h string, workers, limit int) int64 {
	var granted atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		s := stores[w%len(stores)]
		wg.Go(func() {
			for {
				used, ok, err := s.SpendQuota(t.Context(), h, "2026-03-01", 1, limit)
				if err != nil {
					t.Error(err)
					return
				}
				if used > limit {
					t.Errorf("used %d > limit %d", used, limit)
				}
				if !ok {
					return
				}
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	return granted.Load()
}

func testQuotaConcurrent(e *env) {
	t, s, h := e.t, e.store(), e.name("key")
	const limit = 200
	if got := spendAll(t, []checkpoint.Store{s}, h, 16, limit); got != limit {
		t.Fatalf("granted %d spends, want exactly %d", got, limit)
	}
	if used, _ := s.QuotaUsed(t.Context(), h, "2026-03-01"); used != limit {
		t.Fatalf("used %d, want %d", used, limit)
	}
}

func testQuotaTwoStores(e *env) {
	t, h := e.t, e.name("key")
	a, b := e.store(), e.store()
	const limit = 150
	if got := spendAll(t, []checkpoint.Store{a, b}, h, 12, limit); got != limit {
		t.Fatalf("two stores granted %d spends, want exactly %d", got, limit)
	}
	for _, s := range []checkpoint.Store{a, b} {
		if used, _ := s.QuotaUsed(t.Context(), h, "2026-03-01"); used != limit {
			t.Fatalf("used %d, want %d", used, limit)
		}
	}
}

func testCursorsMeta(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx := t.Context()
	kinds := []struct {
		name string
		get  func(p, n string) (string, bool, error)
		set  func(p, n, v string) error
	}{
		{"cursor", func(p, n string) (string, bool, error) { return s.Cursor(ctx, p, n) },
			func(p, n, v string) error { return s.SetCursor(ctx, p, n, v) }},
		{"meta", func(p, n string) (string, bool, error) { return s.Meta(ctx, p, n) },
			func(p, n, v string) error { return s.SetMeta(ctx, p, n, v) }},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			if _, ok, err := k.get(p, "since"); ok || err != nil {
				t.Fatalf("unset: ok %v err %v", ok, err)
			}
			must(t, k.set(p, "since", "2026-01-01T00:00:00Z"))
			must(t, k.set(p, "since", "2026-02-01T00:00:00Z"))
			must(t, k.set(p, "empty", ""))
			cases := []struct {
				pipeline, name, want string
				ok                   bool
			}{
				{p, "since", "2026-02-01T00:00:00Z", true},
				{p, "empty", "", true},
				{p + "x", "since", "", false},
			}
			for _, c := range cases {
				v, ok, err := k.get(c.pipeline, c.name)
				if err != nil || ok != c.ok || v != c.want {
					t.Fatalf("%s/%s = %q %v %v, want %q %v", c.pipeline, c.name, v, ok, err, c.want, c.ok)
				}
			}
		})
	}
	if v, _, _ := s.Meta(ctx, p, "since"); v != "2026-02-01T00:00:00Z" {
		t.Fatalf("meta and cursors must not share values")
	}
}

func testLock(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	other := e.store() // a second process
	ctx := t.Context()
	ttl := time.Minute
	ok, holder, exp, err := s.AcquireLock(ctx, p, "host-a:1:x", ttl)
	must(t, err)
	if !ok || holder != "host-a:1:x" || !exp.Equal(Epoch.Add(ttl)) {
		t.Fatalf("first acquire = %v %q %v", ok, holder, exp)
	}
	e.clk.Advance(30 * time.Second)
	ok, holder, exp, err = other.AcquireLock(ctx, p, "host-b:2:y", ttl)
	must(t, err)
	if ok || holder != "host-a:1:x" || !exp.Equal(Epoch.Add(ttl)) {
		t.Fatalf("second owner got %v %q %v, want refused with holder info", ok, holder, exp)
	}
	must(t, s.RenewLock(ctx, p, "host-a:1:x", ttl))
	e.clk.Advance(45 * time.Second) // past the original lease, within the renewed one
	if ok, _, _, _ := other.AcquireLock(ctx, p, "host-b:2:y", ttl); ok {
		t.Fatal("renewed lease was taken over")
	}
	must(t, other.ReleaseLock(ctx, p, "host-b:2:y")) // not the owner: ignored
	if ok, _, _, _ := other.AcquireLock(ctx, p, "host-b:2:y", ttl); ok {
		t.Fatal("release by a non-owner freed the lock")
	}
	e.clk.Advance(ttl) // host-a crashed: its lease expires
	ok, holder, _, err = other.AcquireLock(ctx, p, "host-b:2:y", ttl)
	must(t, err)
	if !ok || holder != "host-b:2:y" {
		t.Fatalf("expired lease not taken over: %v %q", ok, holder)
	}
	if err := s.RenewLock(ctx, p, "host-a:1:x", ttl); !errors.Is(err, checkpoint.ErrLockLost) {
		t.Fatalf("renew by the old owner = %v, want ErrLockLost", err)
	}
	must(t, other.ReleaseLock(ctx, p, "host-b:2:y"))
	if ok, _, _, _ := s.AcquireLock(ctx, p, "host-a:1:x", ttl); !ok {
		t.Fatal("released lock not acquirable")
	}
	if ok, _, _, _ := s.AcquireLock(ctx, p+"-other", "host-b:2:y", ttl); !ok {
		t.Fatal("locks of different pipelines interfere")
	}
}

func testLocation(e *env) {
	if loc := e.store().Location(); loc == "" {
		e.t.Fatal("empty Location")
	}
}
