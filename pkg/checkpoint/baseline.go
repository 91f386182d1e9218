package checkpoint

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"
)

// A run diffs its source against the baseline: the diff-relevant columns
// of every record of its pipeline. Reading a million records one row at a
// time costs a second or more of driver overhead, so the end of each run
// stores the baseline as a snapshot (a few dozen chunk blobs, see
// snapshot.go) and triggers log every record written after it. Baseline
// then reads the snapshot and merges in the records the log names; it
// falls back to reading every record when there is no snapshot, when the
// log is long, or when a chunk is damaged. The snapshot is a cache: the
// records table stays the only truth.

const baselineSelect = "SELECT key, row_hash, contact_hash, remote_id, origin, state, phone FROM records"

// errStop is returned by the streaming helpers when the consumer stopped.
var errStop = errors.New("checkpoint: baseline consumer stopped")

// BaselineSnapshot describes a pipeline's stored baseline snapshot.
type BaselineSnapshot struct {
	Entries   int64     // records in the snapshot
	Chunks    int       // blobs it is stored in
	Bytes     int64     // their total size
	Pending   int64     // records written since (the change log's length)
	WrittenAt time.Time // zero when there is none
	Rewritten bool      // CompactBaseline wrote it (false: it was current)
}

type snapshotHeader struct {
	ID        int64
	Seq       int64
	Chunks    int
	Entries   int64
	WrittenAt time.Time
}

// Baseline streams the diff-relevant fields of pipeline's records by key,
// from the snapshot plus the records written since when there is one.
func (c *core) Baseline(ctx context.Context, pipeline string) iter.Seq2[BaselineRecord, error] {
	return func(yield func(BaselineRecord, error) bool) {
		db, err := c.read(ctx)
		if err != nil {
			yield(BaselineRecord{}, err)
			return
		}
		fromSnapshot, err := streamBaseline(db, pipeline, func(r BaselineRecord) bool { return yield(r, nil) })
		if !fromSnapshot {
			c.noteUnusedSnapshot(pipeline)
		}
		if err != nil && !errors.Is(err, errStop) {
			yield(BaselineRecord{}, err)
		}
	}
}

// noteUnusedSnapshot remembers that a read of pipeline's baseline could
// not use its snapshot, so that the next CompactBaseline rewrites it.
func (c *core) noteUnusedSnapshot(pipeline string) { c.staleSnapshots.Store(pipeline, true) }

// streamBaseline calls fn for every baseline record of pipeline in key
// order. It reports whether the snapshot served the read.
func streamBaseline(db *gorm.DB, pipeline string, fn func(BaselineRecord) bool) (fromSnapshot bool, err error) {
	h, ok, err := readSnapshotHeader(db, pipeline)
	if err != nil || !ok {
		if err == nil {
			err = scanBaseline(db, pipeline, "", false, fn)
		}
		return false, err
	}
	var pending int64
	if err := db.Raw("SELECT COUNT(*) FROM record_changes WHERE pipeline = ? AND seq > ?", pipeline, h.Seq).Scan(&pending).Error; err != nil {
		return false, err
	}
	if pending > h.Entries/4+1000 {
		// Merging a long log costs more than reading every record.
		return false, scanBaseline(db, pipeline, "", false, fn)
	}
	m, err := newMerger(db, pipeline, h.Seq, fn)
	if err != nil {
		return false, err
	}
	intact, err := m.snapshot(db, pipeline, h)
	if err != nil {
		return false, err
	}
	if !intact {
		// Carry on from the last key handed out, reading the records.
		return false, scanBaseline(db, pipeline, m.last, m.emitted, fn)
	}
	return true, m.finish()
}

func readSnapshotHeader(db *gorm.DB, pipeline string) (snapshotHeader, bool, error) {
	var hs []snapshotHeader
	err := db.Raw("SELECT id, seq, chunks, entries, written_at FROM baselines WHERE pipeline = ?", pipeline).Scan(&hs).Error
	if err != nil || len(hs) == 0 {
		return snapshotHeader{}, false, err
	}
	return hs[0], true, nil
}

// scanBaseline reads pipeline's records by key, after key after when
// from is set.
func scanBaseline(db *gorm.DB, pipeline, after string, from bool, fn func(BaselineRecord) bool) error {
	q := db.Raw(baselineSelect+" WHERE pipeline = ? ORDER BY key", pipeline)
	if from {
		q = db.Raw(baselineSelect+" WHERE pipeline = ? AND key > ? ORDER BY key", pipeline, after)
	}
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r BaselineRecord
		var origin, state string
		if err := rows.Scan(&r.Key, &r.RowHash, &r.ContactHash, &r.RemoteID, &origin, &state, &r.Phone); err != nil {
			return err
		}
		r.Origin, r.State = Origin(origin), State(state)
		if !fn(r) {
			return errStop
		}
	}
	return rows.Err()
}

// merger merges the snapshot's records with the records the change log
// names (which replace them, or remove them when gone).
type merger struct {
	changed []string                  // keys written since the snapshot, sorted
	overlay map[string]BaselineRecord // their records now (absent: deleted)
	fn      func(BaselineRecord) bool
	next    int    // first key of changed not handled yet
	last    string // last key handed to fn (or skipped as deleted)
	emitted bool   // last is set
}

func newMerger(db *gorm.DB, pipeline string, seq int64, fn func(BaselineRecord) bool) (*merger, error) {
	m := &merger{fn: fn, overlay: map[string]BaselineRecord{}}
	err := db.Raw("SELECT DISTINCT key FROM record_changes WHERE pipeline = ? AND seq > ? ORDER BY key", pipeline, seq).
		Scan(&m.changed).Error
	if err != nil || len(m.changed) == 0 {
		return m, err
	}
	err = scanBaselineWhere(db, baselineSelect+" WHERE pipeline = ? AND key IN (SELECT key FROM record_changes WHERE pipeline = ? AND seq > ?)",
		[]any{pipeline, pipeline, seq}, func(r BaselineRecord) bool {
			m.overlay[r.Key] = r
			return true
		})
	return m, err
}

func scanBaselineWhere(db *gorm.DB, query string, args []any, fn func(BaselineRecord) bool) error {
	rows, err := db.Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r BaselineRecord
		var origin, state string
		if err := rows.Scan(&r.Key, &r.RowHash, &r.ContactHash, &r.RemoteID, &origin, &state, &r.Phone); err != nil {
			return err
		}
		r.Origin, r.State = Origin(origin), State(state)
		fn(r)
	}
	return rows.Err()
}

// emit hands r to fn.
func (m *merger) emit(r BaselineRecord) bool {
	m.last, m.emitted = r.Key, true
	return m.fn(r)
}

// changedUpTo hands out the changed keys before key (all when all).
func (m *merger) changedUpTo(key string, all bool) bool {
	for m.next < len(m.changed) && (all || m.changed[m.next] < key) {
		k := m.changed[m.next]
		m.next++
		if r, ok := m.overlay[k]; ok {
			if !m.emit(r) {
				return false
			}
		} else {
			m.last, m.emitted = k, true // deleted since the snapshot
		}
	}
	return true
}

// snapshot streams the chunks. It reports false when they are not the
// intact, ordered sequence the header promises; everything handed out
// until then is right, up to m.last.
func (m *merger) snapshot(db *gorm.DB, pipeline string, h snapshotHeader) (intact bool, err error) {
	rows, err := db.Raw("SELECT n, data FROM baseline_chunks WHERE pipeline = ? ORDER BY n", pipeline).Rows()
	if err != nil {
		return false, err
	}
	defer rows.Close()
	want := 0
	var buf []BaselineRecord
	for rows.Next() {
		var n int
		var data []byte
		if err := rows.Scan(&n, &data); err != nil {
			return false, err
		}
		if n != want {
			return false, nil
		}
		want++
		recs, err := decodeChunk(data, uint64(h.ID), n, buf)
		if err != nil {
			return false, nil
		}
		buf = recs
		for _, r := range recs {
			if m.emitted && r.Key <= m.last {
				return false, nil // out of order
			}
			if !m.changedUpTo(r.Key, false) {
				return true, errStop
			}
			if m.next < len(m.changed) && m.changed[m.next] == r.Key {
				m.next++ // replaced or deleted: the overlay has it
				o, ok := m.overlay[r.Key]
				if !ok {
					m.last, m.emitted = r.Key, true
					continue
				}
				r = o
			}
			if !m.emit(r) {
				return true, errStop
			}
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return want == h.Chunks, nil
}

// finish hands out the changed keys after the snapshot's last.
func (m *merger) finish() error {
	if !m.changedUpTo("", true) {
		return errStop
	}
	return nil
}

// CompactBaseline makes pipeline's snapshot current: unless it already
// is, it writes the baseline as a new snapshot and empties the change log
// up to it, in one transaction of the writer (after everything queued
// before). Call it when a run is over, holding the pipeline's lock.
func (c *core) CompactBaseline(ctx context.Context, pipeline string) (BaselineSnapshot, error) {
	if err := validName("pipeline", pipeline); err != nil {
		return BaselineSnapshot{}, err
	}
	_, force := c.staleSnapshots.LoadAndDelete(pipeline)
	now := c.now()
	var out BaselineSnapshot
	err := c.w.do(ctx, func(tx *gorm.DB) error {
		out = BaselineSnapshot{}
		var maxSeq int64
		if err := tx.Raw("SELECT COALESCE(MAX(seq), 0) FROM record_changes WHERE pipeline = ?", pipeline).Scan(&maxSeq).Error; err != nil {
			return err
		}
		h, ok, err := readSnapshotHeader(tx, pipeline)
		if err != nil {
			return err
		}
		if ok && maxSeq <= h.Seq && !force {
			out = BaselineSnapshot{Entries: h.Entries, Chunks: h.Chunks, WrittenAt: h.WrittenAt}
			return nil
		}
		id := rand.Int64() // math/rand/v2: a snapshot's identity, not a secret
		var blobs [][]byte
		buf := make([]BaselineRecord, 0, c.opts.SnapshotChunk)
		flush := func() {
			blobs = append(blobs, encodeChunk(nil, uint64(id), len(blobs), buf))
			out.Bytes += int64(len(blobs[len(blobs)-1]))
			buf = buf[:0]
		}
		_, err = streamBaseline(tx, pipeline, func(r BaselineRecord) bool {
			buf = append(buf, r)
			out.Entries++
			if len(buf) == c.opts.SnapshotChunk {
				flush()
			}
			return true
		})
		if err != nil {
			return err
		}
		if len(buf) > 0 {
			flush()
		}
		for _, q := range []string{"DELETE FROM baseline_chunks WHERE pipeline = ?", "DELETE FROM baselines WHERE pipeline = ?"} {
			if err := tx.Exec(q, pipeline).Error; err != nil {
				return err
			}
		}
		for i, b := range blobs {
			if err := tx.Exec("INSERT INTO baseline_chunks (pipeline, n, data) VALUES (?, ?, ?)", pipeline, i, b).Error; err != nil {
				return err
			}
		}
		err = tx.Exec("INSERT INTO baselines (pipeline, id, seq, chunks, entries, written_at) VALUES (?, ?, ?, ?, ?, ?)",
			pipeline, id, maxSeq, len(blobs), out.Entries, now).Error
		if err != nil {
			return err
		}
		out.Chunks, out.WrittenAt, out.Rewritten = len(blobs), now, true
		return tx.Exec("DELETE FROM record_changes WHERE pipeline = ? AND seq <= ?", pipeline, maxSeq).Error
	})
	if err != nil {
		if force {
			c.noteUnusedSnapshot(pipeline)
		}
		return BaselineSnapshot{}, err
	}
	return out, nil
}

// BaselineSnapshotInfo describes pipeline's snapshot (zero when none).
func (c *core) BaselineSnapshotInfo(ctx context.Context, pipeline string) (BaselineSnapshot, error) {
	db, err := c.read(ctx)
	if err != nil {
		return BaselineSnapshot{}, err
	}
	h, ok, err := readSnapshotHeader(db, pipeline)
	if err != nil || !ok {
		return BaselineSnapshot{}, err
	}
	out := BaselineSnapshot{Entries: h.Entries, Chunks: h.Chunks, WrittenAt: h.WrittenAt}
	if err := db.Raw("SELECT COALESCE(SUM(LENGTH(data)), 0) FROM baseline_chunks WHERE pipeline = ?", pipeline).Scan(&out.Bytes).Error; err != nil {
		return BaselineSnapshot{}, err
	}
	err = db.Raw("SELECT COUNT(*) FROM record_changes WHERE pipeline = ? AND seq > ?", pipeline, h.Seq).Scan(&out.Pending).Error
	return out, err
}
