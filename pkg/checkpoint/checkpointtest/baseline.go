package checkpointtest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/alexsync/alexsync/pkg/checkpoint"
)

// baselineOf reads s's baseline of p.
func baselineOf(e *env, s checkpoint.Store, p string) []checkpoint.BaselineRecord {
	e.t.Helper()
	var got []checkpoint.BaselineRecord
	for r, err := range s.Baseline(e.t.Context(), p) {
		must(e.t, err)
		got = append(got, r)
	}
	return got
}

// truthOf derives the baseline from the records themselves.
func truthOf(e *env, s checkpoint.Store, p string) []checkpoint.BaselineRecord {
	e.t.Helper()
	var want []checkpoint.BaselineRecord
	for r, err := range s.Records(e.t.Context(), p) {
		must(e.t, err)
		want = append(want, checkpoint.BaselineRecord{Key: r.Key, RowHash: r.RowHash, ContactHash: r.ContactHash,
			RemoteID: r.RemoteID, Origin: r.Origin, State: r.State, Phone: r.Phone})
	}
	return want
}

func sameBaseline(e *env, what string, got, want []checkpoint.BaselineRecord) {
	e.t.Helper()
	if slices.Equal(got, want) {
		return
	}
	e.t.Errorf("%s: baseline has %d records, the records table %d", what, len(got), len(want))
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w checkpoint.BaselineRecord
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			e.t.Fatalf("%s: first difference at %d:\n got %+v\nwant %+v", what, i, g, w)
		}
	}
}

// testBaselineSnapshot checks that the baseline read from the snapshot
// plus the change log always equals the records, whatever was written
// since the snapshot by any journal method, across chunk boundaries and
// successive compactions, and that an unchanged snapshot is not rewritten.
func testBaselineSnapshot(e *env) {
	t, p := e.t, e.name("p")
	e.opts.SnapshotChunk = 5
	s := e.store()
	ctx := t.Context()
	if info := snapshotOK(t)(s.BaselineSnapshotInfo(ctx, p)); info != (checkpoint.BaselineSnapshot{}) {
		t.Fatalf("snapshot before any compaction: %+v", info)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	rec := func(i, gen int) checkpoint.Record {
		k := fmt.Sprintf("k%03d", i)
		return checkpoint.Record{Pipeline: p, Key: k, RowHash: fmt.Sprintf("r%d-%s", gen, k), ContactHash: fmt.Sprintf("c%d-%s", gen, k),
			Contact: `{}`, RemoteID: "id-" + k, Origin: checkpoint.OriginCreated, Phone: fmt.Sprintf("+1555%07d", i)}
	}
	for i := range 40 {
		must(t, s.Confirm(ctx, rec(2*i, 0), checkpoint.Attempt{}))
	}
	must(t, s.Upsert(ctx, checkpoint.Record{Pipeline: e.name("other"), Key: "k010"}))
	must(t, s.Flush(ctx))
	snap := snapshotOK(t)(s.CompactBaseline(ctx, p))
	if !snap.Rewritten || snap.Entries != 40 || snap.Chunks != 8 {
		t.Fatalf("first compaction = %+v, want 40 entries in 8 chunks", snap)
	}
	sameBaseline(e, "after the first compaction", baselineOf(e, s, p), truthOf(e, s, p))
	if again := snapshotOK(t)(s.CompactBaseline(ctx, p)); again.Rewritten || again.Entries != 40 {
		t.Fatalf("compaction with nothing written since = %+v, want it left as is", again)
	}
	for round := 1; round <= 6; round++ {
		for range 25 {
			i := rng.IntN(90) // existing even keys, new odd keys, keys after the last
			r := rec(i, round)
			switch rng.IntN(7) {
			case 0:
				must(t, s.Confirm(ctx, r, checkpoint.Attempt{Action: checkpoint.ActionUpdate}))
			case 1:
				must(t, s.MarkInFlight(ctx, checkpoint.Record{Pipeline: p, Key: r.Key, Phone: r.Phone}))
			case 2:
				must(t, s.Fail(ctx, r, checkpoint.Attempt{Error: "refused"}))
			case 3:
				must(t, s.InDoubt(ctx, r, checkpoint.Attempt{Error: "timeout"}))
			case 4:
				must(t, s.Upsert(ctx, r))
			default:
				must(t, s.Remove(ctx, r, checkpoint.Attempt{Action: checkpoint.ActionDelete}))
			}
		}
		must(t, s.Flush(ctx))
		info := snapshotOK(t)(s.BaselineSnapshotInfo(ctx, p))
		if info.Pending == 0 {
			t.Fatalf("round %d: the change log is empty after 25 writes", round)
		}
		sameBaseline(e, fmt.Sprintf("round %d, before compaction", round), baselineOf(e, s, p), truthOf(e, s, p))
		if round%2 == 0 {
			continue // let the log grow over two rounds
		}
		snap := snapshotOK(t)(s.CompactBaseline(ctx, p))
		if !snap.Rewritten || int(snap.Entries) != len(truthOf(e, s, p)) {
			t.Fatalf("round %d: compaction = %+v", round, snap)
		}
		if info := snapshotOK(t)(s.BaselineSnapshotInfo(ctx, p)); info.Pending != 0 || info.Bytes == 0 {
			t.Fatalf("round %d: after compaction %+v, want an empty log", round, info)
		}
		sameBaseline(e, fmt.Sprintf("round %d, after compaction", round), baselineOf(e, s, p), truthOf(e, s, p))
	}
	// A reopened store (another process) reads the same.
	sameBaseline(e, "reopened", baselineOf(e, e.store(), p), truthOf(e, s, p))
	// Stopping early is allowed from the snapshot too.
	n := 0
	for range s.Baseline(ctx, p) {
		if n++; n == 7 {
			break
		}
	}
}

func snapshotOK(t interface{ Fatal(...any) }) func(checkpoint.BaselineSnapshot, error) checkpoint.BaselineSnapshot {
	return func(v checkpoint.BaselineSnapshot, err error) checkpoint.BaselineSnapshot {
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// testContacts loads the confirmed contacts of many keys across batches.
func testContacts(e *env) {
	t, s, p := e.t, e.store(), e.name("p")
	ctx := t.Context()
	var keys []string
	for i := range 3*PageSize + 1 {
		k := fmt.Sprintf("k%02d", i)
		keys = append(keys, k)
		rec := checkpoint.Record{Pipeline: p, Key: k, Contact: fmt.Sprintf(`{"first_name":"n%d"}`, i)}
		if i%5 == 0 {
			must(t, s.Upsert(ctx, checkpoint.Record{Pipeline: p, Key: k})) // no contact confirmed yet
			continue
		}
		must(t, s.Confirm(ctx, rec, checkpoint.Attempt{}))
	}
	must(t, s.Flush(ctx))
	got, err := s.Contacts(ctx, p, append(keys, "missing"))
	must(t, err)
	for i, k := range keys {
		want := fmt.Sprintf(`{"first_name":"n%d"}`, i)
		if i%5 == 0 {
			want = ""
		}
		if got[k] != want {
			t.Fatalf("Contacts[%s] = %q, want %q", k, got[k], want)
		}
	}
	if len(got) != len(keys)-(len(keys)+4)/5 {
		t.Fatalf("Contacts returned %d entries", len(got))
	}
}
