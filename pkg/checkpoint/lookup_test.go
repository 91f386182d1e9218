package checkpoint_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/alexsync/alexsync/pkg/checkpoint"
)

func TestLookup(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "state.db"), checkpoint.Options{PageSize: 3})
	ctx := t.Context()
	for i := range 10 {
		rec := checkpoint.Record{Pipeline: "calls", Key: fmt.Sprint("call_", i), RowHash: fmt.Sprint("h", i), ContactHash: "d", State: checkpoint.StateSynced}
		if err := s.Upsert(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Upsert(ctx, checkpoint.Record{Pipeline: "other", Key: "call_11", RowHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// More keys than a page, some absent, one of another pipeline.
	keys := []string{"call_9", "call_0", "call_42", "call_3", "call_11", "call_5", "call_7", "nope"}
	got, err := s.Lookup(ctx, "calls", keys)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"call_9": "h9", "call_0": "h0", "call_3": "h3", "call_5": "h5", "call_7": "h7"}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d: %v", len(got), len(want), got)
	}
	for k, h := range want {
		if r := got[k]; r.Key != k || r.RowHash != h || r.ContactHash != "d" || r.Pipeline != "calls" {
			t.Errorf("%s: %+v", k, r)
		}
	}
	if got, err := s.Lookup(ctx, "calls", nil); err != nil || len(got) != 0 {
		t.Fatalf("no keys: %v, %v", got, err)
	}
}
