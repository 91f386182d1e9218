package pull

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/record"
)

// chunkAPI lists n calls, a minute apart, newest first.
func chunkAPI(n int) *fakeAPI {
	api := &fakeAPI{details: map[string]record.Call{}}
	for i := range n {
		api.calls = append(api.calls, call(i, t0.Add(-time.Duration(i)*time.Minute)))
	}
	return api
}

var chunkOpts = Options{Batch: 4, Chunk: 8, CommitEvery: -1}

func TestRunCommitsEveryChunk(t *testing.T) {
	api := chunkAPI(23)
	w := newMemWriter()
	j := newMemJournal(t, w) // fails the test if a call is recorded before the sink committed it
	res, err := Run(context.Background(), api, Query{From: t0.Add(-time.Hour)}, j, w, chunkOpts)
	if err != nil || !res.Complete || res.Written != 23 || res.New != 23 {
		t.Fatalf("%+v %v", res, err)
	}
	// Batches of 4: a commit once 8 are written, then the rest at the end.
	if res.Commits != 3 || w.commits != 3 || j.records != 3 || len(j.known) != 23 {
		t.Fatalf("%d commits (sink %d, journal %d), %d calls recorded; want 3 commits of 8, 8 and 7", res.Commits, w.commits, j.records, len(j.known))
	}
}

// A pull that fails between two commits, then runs again, writes every
// call, and writes again only the calls the sink committed but the
// journal did not record.
func TestRunResumesAfterFailureBetweenChunks(t *testing.T) {
	const n = 23
	fatal := fmt.Errorf("%w: key revoked", ErrFatal)
	tests := []struct {
		name       string
		sinkFails  int   // the sink Commit that fails
		recordFail int   // the journal Record that fails
		listFails  int   // the listing fails (fatally) after this many calls
		wantErr    bool  // the first run returns an error (else it stops)
		recorded   int   // calls recorded by the first run
		twice      []int // calls written by both runs
	}{
		{name: "sink commit fails", sinkFails: 2, wantErr: true, recorded: 8},
		{name: "journal record fails", recordFail: 2, wantErr: true, recorded: 8, twice: []int{8, 9, 10, 11, 12, 13, 14, 15}},
		{name: "listing stops", listFails: 10, recorded: 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := chunkAPI(n)
			if tc.listFails > 0 {
				api.failAfter, api.failList = tc.listFails, fatal
			}
			w := newMemWriter()
			w.failAt = tc.sinkFails
			j := newMemJournal(t, w)
			j.failAt = tc.recordFail
			q := Query{From: t0.Add(-time.Hour)}
			res, err := Run(context.Background(), api, q, j, w, chunkOpts)
			if (err != nil) != tc.wantErr || res.Complete || len(j.known) != tc.recorded {
				t.Fatalf("first run: %+v, %v; %d recorded, want %d and an incomplete pull", res, err, len(j.known), tc.recorded)
			}
			if tc.listFails > 0 && !errors.Is(res.Stop, ErrFatal) {
				t.Fatalf("first run stopped by %v, want the fatal listing error", res.Stop)
			}
			_ = w.Abort()

			w.failAt, j.failAt, api.failList = 0, 0, nil
			w.commits, j.records = 0, 0
			res, err = Run(context.Background(), api, q, j, w, chunkOpts)
			if err != nil || !res.Complete || res.Unchanged != tc.recorded || res.New != n-tc.recorded {
				t.Fatalf("second run: %+v, %v; want the %d recorded calls unchanged and the rest new", res, err, tc.recorded)
			}
			for i := range n {
				id, want := call(i, t0).ID, 1
				for _, x := range tc.twice {
					if x == i {
						want = 2
					}
				}
				if w.writes[id] != want || w.rows["calls"][id] == nil || j.known[id].ListHash == "" {
					t.Errorf("%s: written %d times (want %d), in the output: %v, recorded: %v", id, w.writes[id], want,
						w.rows["calls"][id] != nil, j.known[id].ListHash != "")
				}
			}
		})
	}
}
