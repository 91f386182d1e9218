package checkpointtest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/alexsync/alexsync/pkg/checkpoint"
)

// maxGroupCommits bounds the transactions 100 concurrent marks may take:
// far fewer than one each, with room for a slow (race-enabled) scheduler.
const maxGroupCommits = 25

func testGroupCommit(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	const workers = 100
	before := s.Stats()
	start := make(chan struct{})
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			<-start
			errs <- s.MarkInFlight(t.Context(), checkpoint.Record{Pipeline: p, Key: key(i), Phone: "+1555"})
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	after := s.Stats()
	// Verify durability from a second store: it sees only committed data.
	other := e.store()
	counts, err := other.CountByState(t.Context(), p)
	must(t, err)
	if counts[checkpoint.StateInFlight] != workers {
		t.Fatalf("durable in-flight marks = %v, want %d", counts, workers)
	}
	batches := after.Batches - before.Batches
	t.Logf("%d concurrent marks took %d transactions (largest batch %d)", workers, batches, after.MaxBatch)
	if batches > maxGroupCommits || batches < 1 {
		t.Fatalf("%d marks took %d transactions, want 1..%d", workers, batches, maxGroupCommits)
	}
}

func testAsyncFlush(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx := t.Context()
	const n = 50
	for i := range n {
		rec := checkpoint.Record{Pipeline: p, Key: key(i), RowHash: "h", Origin: checkpoint.OriginCreated, RemoteID: key(i)}
		must(t, s.Confirm(ctx, rec, checkpoint.Attempt{Action: checkpoint.ActionCreate, Status: 201, Outcome: "ok"}))
	}
	must(t, s.Flush(ctx))
	counts, err := e.store().CountByState(ctx, p)
	must(t, err)
	if counts[checkpoint.StateSynced] != n {
		t.Fatalf("after Flush, synced = %v, want %d", counts, n)
	}
}

func testCrash(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx := t.Context()
	for i := range 10 {
		must(t, s.MarkInFlight(ctx, checkpoint.Record{Pipeline: p, Key: key(i), Phone: "+447700900123"}))
	}
	// Queued, never flushed, store never closed: the process "dies" here.
	must(t, s.Confirm(ctx, checkpoint.Record{Pipeline: p, Key: key(0)}, checkpoint.Attempt{}))
	reopened := e.store()
	for i := range 10 {
		r := get(t, reopened, p, key(i))
		if i > 0 && r.State != checkpoint.StateInFlight {
			t.Fatalf("after crash %s is %s, want in_flight", r.Key, r.State)
		}
		if r.State != checkpoint.StateInFlight && r.State != checkpoint.StateSynced {
			t.Fatalf("after crash %s is %s", r.Key, r.State)
		}
	}
	var phones int
	for r, err := range reopened.ByState(ctx, p, checkpoint.StateInFlight) {
		must(t, err)
		if r.Phone == "+447700900123" {
			phones++
		}
	}
	if phones < 9 {
		t.Fatalf("only %d in-flight records carry their phone for reconciliation", phones)
	}
}

func testClose(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx := t.Context()
	must(t, s.Upsert(ctx, checkpoint.Record{Pipeline: p, Key: "queued"}))
	must(t, s.Close())
	get(t, e.store(), p, "queued")
	calls := []struct {
		name string
		err  error
	}{
		{"Close", s.Close()},
		{"MarkInFlight", s.MarkInFlight(ctx, checkpoint.Record{Pipeline: p, Key: "x"})},
		{"Confirm", s.Confirm(ctx, checkpoint.Record{Pipeline: p, Key: "x"}, checkpoint.Attempt{})},
		{"Flush", s.Flush(ctx)},
		{"Get", func() error { _, _, err := s.Get(ctx, p, "queued"); return err }()},
		{"SetCursor", s.SetCursor(ctx, p, "c", "v")},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, checkpoint.ErrClosed) {
				t.Fatalf("after Close: %v, want ErrClosed", c.err)
			}
		})
	}
}

func testCancelled(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	cases := []struct {
		name string
		err  error
	}{
		{"MarkInFlight", s.MarkInFlight(ctx, checkpoint.Record{Pipeline: p, Key: "x"})},
		{"Flush", s.Flush(ctx)},
		{"SpendQuota", func() error { _, _, err := s.SpendQuota(ctx, p, "d", 1, 10); return err }()},
		{"Get", func() error { _, _, err := s.Get(ctx, p, "x"); return err }()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", c.err)
			}
		})
	}
	must(t, s.Err()) // a caller's cancellation is not a write failure
}
