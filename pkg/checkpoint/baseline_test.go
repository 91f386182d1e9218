package checkpoint_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/alexsync/alexsync/pkg/checkpoint"
)

func baselineRecs(t *testing.T, s checkpoint.Store, p string) []checkpoint.BaselineRecord {
	t.Helper()
	var out []checkpoint.BaselineRecord
	for r, err := range s.Baseline(t.Context(), p) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func fillBaseline(t *testing.T, s checkpoint.Store, p string, n int) {
	t.Helper()
	for i := range n {
		k := fmt.Sprintf("k%04d", i)
		err := s.Confirm(t.Context(), checkpoint.Record{Pipeline: p, Key: k, RowHash: "r" + k, ContactHash: "c" + k,
			RemoteID: "id" + k, Origin: checkpoint.OriginCreated, Phone: fmt.Sprintf("+1555%07d", i)}, checkpoint.Attempt{})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestBaselineSnapshotDamage damages a stored snapshot in every way and
// checks that Baseline still returns the records exactly (falling back to
// reading them from where the snapshot stopped being usable), and that
// the next compaction rewrites the snapshot.
func TestBaselineSnapshotDamage(t *testing.T) {
	cases := []struct {
		name   string
		damage string
	}{
		{"a flipped byte in the second chunk", "UPDATE baseline_chunks SET data = CAST(replace(CAST(data AS TEXT), 'k0015', 'k0O15') AS BLOB) WHERE n = 1"},
		{"a missing middle chunk", "DELETE FROM baseline_chunks WHERE n = 2"},
		{"a missing last chunk", "DELETE FROM baseline_chunks WHERE n = (SELECT MAX(n) FROM baseline_chunks)"},
		{"chunks out of order", "UPDATE baseline_chunks SET data = (SELECT data FROM baseline_chunks WHERE n = 3) WHERE n = 1"},
		{"a chunk of an older snapshot", "UPDATE baselines SET id = id + 1"},
		{"a truncated chunk", "UPDATE baseline_chunks SET data = substr(data, 1, 30) WHERE n = 0"},
		{"an empty chunk", "UPDATE baseline_chunks SET data = x'' WHERE n = 4"},
		{"a header promising more chunks", "UPDATE baselines SET chunks = chunks + 1"},
		{"a chunk repeated", "UPDATE baseline_chunks SET data = (SELECT data FROM baseline_chunks WHERE n = 0) WHERE n = 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			s := openAt(t, path, checkpoint.Options{SnapshotChunk: 7})
			fillBaseline(t, s, "p", 50)
			if _, err := s.CompactBaseline(t.Context(), "p"); err != nil {
				t.Fatal(err)
			}
			// A change after the snapshot, so that the merge is exercised too.
			if err := s.Upsert(t.Context(), checkpoint.Record{Pipeline: "p", Key: "k0030", State: checkpoint.StateFailed}); err != nil {
				t.Fatal(err)
			}
			if err := s.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			want := baselineRecs(t, s, "p")
			if len(want) != 50 || want[30].State != checkpoint.StateFailed {
				t.Fatalf("intact snapshot: %d records, record 30 %+v", len(want), want[30])
			}
			if err := rawDB(t, path).Exec(tc.damage).Error; err != nil {
				t.Fatal(err)
			}
			if got := baselineRecs(t, s, "p"); !slices.Equal(got, want) {
				t.Fatalf("damaged snapshot: %d records, want %d; first %+v", len(got), len(want), got[:min(3, len(got))])
			}
			snap, err := s.CompactBaseline(t.Context(), "p")
			if err != nil || !snap.Rewritten || snap.Entries != 50 {
				t.Fatalf("compaction after damage = %+v, %v; want a rewrite", snap, err)
			}
			if got := baselineRecs(t, s, "p"); !slices.Equal(got, want) {
				t.Fatalf("rewritten snapshot: %d records, want %d", len(got), len(want))
			}
		})
	}
}

// TestBaselineSnapshotUpgradeFromV1 opens a schema-1 checkpoint holding
// records: migration 2 adds the snapshot tables, the first read scans the
// records, the first compaction writes the snapshot.
func TestBaselineSnapshotUpgradeFromV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openAt(t, path, checkpoint.Options{})
	fillBaseline(t, s, "p", 20)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, q := range []string{"DROP TRIGGER records_changes_ins", "DROP TRIGGER records_changes_upd", "DROP TRIGGER records_changes_del",
		"DROP TABLE record_changes", "DROP TABLE baseline_chunks", "DROP TABLE baselines", "DELETE FROM schema_version WHERE version = 2"} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	s = openAt(t, path, checkpoint.Options{})
	if got := baselineRecs(t, s, "p"); len(got) != 20 || got[19].Key != "k0019" {
		t.Fatalf("baseline after the upgrade: %d records", len(got))
	}
	snap, err := s.CompactBaseline(t.Context(), "p")
	if err != nil || !snap.Rewritten || snap.Entries != 20 {
		t.Fatalf("first compaction = %+v, %v", snap, err)
	}
}
