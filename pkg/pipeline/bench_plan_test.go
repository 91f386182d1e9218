package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/prepare"
	"github.com/alexsync/alexsync/pkg/record"
	csvsource "github.com/alexsync/alexsync/pkg/source/csv"
)

const (
	resyncRows    = 1_000_000
	resyncChanged = 10_000
)

// BenchmarkResyncPlan is the nightly re-sync: 1,000,000 rows all synced
// by an earlier run (the checkpoint holds each row's hash, contact hash
// and remote id), 10,000 of them with a new email. It times the plan
// phase (pipeline.Run with DryRun: open, load the baseline, read, skip
// unchanged rows by their raw hash, prepare the changed ones, diff) and,
// in the same iteration, a bare CSV read with record.RowHash of every row
// of the same file: ratio = plan time / bare time. peak-heap-MB is the
// largest live heap sampled during the plan (the baseline of a million
// keys is most of it).
func BenchmarkResyncPlan(b *testing.B) {
	base := benchFile(b, resyncRows, false, 0)
	changed := benchFile(b, resyncRows, false, resyncChanged)
	synced := syncedCheckpoint(b, base)
	dir := b.TempDir()
	db := filepath.Join(dir, "state.db")
	p := benchPipeline(b, dir, changed, db, "")
	var planTime, bareTime time.Duration
	var heap float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		copyFile(b, synced, db)
		runtime.GC()
		stop := sampleHeap()
		b.StartTimer()
		t0 := time.Now()
		sum, err := Run(context.Background(), p, RunOptions{DryRun: true})
		planTime += time.Since(t0)
		heap = max(heap, stop())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if pl := sum.Plan; pl.Update != resyncChanged || pl.Unchanged != resyncRows-resyncChanged || pl.Requests != resyncChanged || pl.Create != 0 {
			b.Fatalf("plan %+v; want %d updates, %d unchanged, %d requests", pl, resyncChanged, resyncRows-resyncChanged, resyncChanged)
		}
		bareTime += bareReadHash(b, changed)
		b.StartTimer()
	}
	b.ReportMetric(planTime.Seconds()/float64(b.N), "plan-s")
	b.ReportMetric(bareTime.Seconds()/float64(b.N), "bare-s")
	b.ReportMetric(float64(planTime)/float64(bareTime), "ratio")
	b.ReportMetric(heap, "peak-heap-MB")
}

// bareReadHash times reading src and hashing every row.
func bareReadHash(b *testing.B, src string) time.Duration {
	t0 := time.Now()
	r, err := csvsource.Open(src, csvsource.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n := 0
	var acc byte
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		h := record.RowHash(row.Values)
		acc ^= h[0]
		n++
	}
	d := time.Since(t0)
	if n != resyncRows {
		b.Fatalf("read %d rows", n)
	}
	_ = acc
	return d
}

// syncedCheckpoint returns (building it once under os.TempDir) a
// checkpoint in which every row of src is synced exactly as a run that
// created it would have left it (with the baseline snapshot written at
// the end of that run), and the settings hash that enables the fast path.
func syncedCheckpoint(b *testing.B, src string) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("alexsync-bench-v2-synced-%d.db", resyncRows))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	ctx := context.Background()
	tmp := path + ".tmp"
	for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(f)
	}
	p := benchPipeline(b, b.TempDir(), src, tmp, "")
	store, err := checkpoint.OpenSQLite(ctx, tmp, checkpoint.Options{BatchSize: 10000, QueueSize: 20000})
	if err != nil {
		b.Fatal(err)
	}
	ex, err := openExtract(ctx, p, "")
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	err = prepare.Stream(ctx, ex.src, ex.prep, workers(), nil, func(it prepare.Item) error {
		if it.Err != nil {
			return it.Err
		}
		k := it.Prepared
		contact, _ := json.Marshal(k.Contact)
		n++
		return store.Confirm(ctx, checkpoint.Record{Pipeline: p.Name, Key: k.Contact.Key, RowHash: k.RowHash.String(),
			ContactHash: k.Contact.Fingerprint().String(), Contact: string(contact), RemoteID: fmt.Sprintf("ct_%07d", n),
			Origin: checkpoint.OriginCreated, Line: int64(k.Row.Line), Phone: k.Contact.Phone}, checkpoint.Attempt{})
	})
	ex.src.Close()
	if err != nil {
		b.Fatal(err)
	}
	m, err := p.LoadMapping()
	if err != nil {
		b.Fatal(err)
	}
	if err := store.SetMeta(ctx, p.Name, "config_hash", configHash(p, m)); err != nil {
		b.Fatal(err)
	}
	if err := store.SetMeta(ctx, p.Name, "remote_listed", time.Now().UTC().Format(time.RFC3339)); err != nil {
		b.Fatal(err)
	}
	// What the end of the run that synced them leaves: the baseline
	// snapshot.
	if _, err := store.CompactBaseline(ctx, p.Name); err != nil {
		b.Fatal(err)
	}
	if err := store.Close(); err != nil {
		b.Fatal(err)
	}
	if n != resyncRows {
		b.Fatalf("synced %d rows", n)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}
