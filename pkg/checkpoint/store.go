package checkpoint

import (
	"context"
	"iter"
	"time"
)

// Store is a pipeline checkpoint. Implementations are safe for concurrent
// use by many goroutines and by several processes sharing the checkpoint.
type Store interface {
	Reader
	Journal
	RunLog
	Ledger
	Cursors
	Locker
	// Location names the checkpoint for messages: a file path, or a DSN with
	// the password redacted.
	Location() string
	// Stats reports the writer's work so far.
	Stats() Stats
	// CompactBaseline makes pipeline's baseline snapshot current (see
	// Reader.Baseline): a run calls it when it is over, holding the
	// pipeline's lock. The snapshot is a cache of the records; a failure
	// to write it loses nothing.
	CompactBaseline(ctx context.Context, pipeline string) (BaselineSnapshot, error)
	// BaselineSnapshotInfo describes pipeline's snapshot (zero when none).
	BaselineSnapshotInfo(ctx context.Context, pipeline string) (BaselineSnapshot, error)
	// Close flushes the journal, stops the writer and closes the database.
	// It returns the sticky write error, if any. Calls after Close return
	// ErrClosed.
	Close() error
}

// Reader reads committed records. Queued asynchronous writes are not
// visible until flushed.
type Reader interface {
	// Get returns the record (pipeline, key) and whether it exists.
	Get(ctx context.Context, pipeline, key string) (Record, bool, error)
	// Lookup returns the records of pipeline whose key is among keys (by
	// key), a page of keys per query; keys without a record are absent.
	Lookup(ctx context.Context, pipeline string, keys []string) (map[string]Record, error)
	// Contacts returns the confirmed contact JSON of those of keys whose
	// record has one (by key), a page of keys per query.
	Contacts(ctx context.Context, pipeline string, keys []string) (map[string]string, error)
	// Records streams every record of pipeline ordered by key, a page at a
	// time. An error is yielded once, as the last element.
	Records(ctx context.Context, pipeline string) iter.Seq2[Record, error]
	// Baseline streams the diff-relevant fields of every record of
	// pipeline, ordered by key. It is the light read a run loads its
	// baseline with; the contact JSON and the history are left out. It
	// reads the baseline snapshot the last CompactBaseline wrote plus the
	// records written since, or every record when there is no usable
	// snapshot; the result is the same. The pieces are separate reads:
	// call it holding the pipeline's lock, when nothing else writes the
	// pipeline's records. The strings yielded may share memory with a
	// larger buffer: copy them to keep a few. An error is yielded once, as
	// the last element; stopping early releases the read.
	Baseline(ctx context.Context, pipeline string) iter.Seq2[BaselineRecord, error]
	// ByState streams the records of pipeline in any of states, ordered by
	// key, a page at a time. Records may change state while being streamed:
	// paging is by key, so none is skipped or repeated.
	ByState(ctx context.Context, pipeline string, states ...State) iter.Seq2[Record, error]
	// CountByState counts the records of pipeline per state; states with
	// no record are absent.
	CountByState(ctx context.Context, pipeline string) (map[State]int, error)
	// Attempts returns the kept history of one record, oldest first.
	Attempts(ctx context.Context, pipeline, key string) ([]Attempt, error)
}

// Journal writes records through the single writer. Every method returns
// the sticky *WriteError once a commit has failed, and ErrClosed after
// Close. Records need Pipeline and Key (else ErrInvalid, before anything is
// queued). Timestamps (UpdatedAt, SyncedAt, a zero Attempt.At) are taken
// from the clock when the method is called, not when the batch commits. A
// zero Attempt adds no history.
type Journal interface {
	// MarkInFlight sets each record's state to in_flight, increments its
	// Attempts and stores its Phone and Line (when given: an empty Phone or
	// a zero Line keeps the stored one), its Origin (when given) and its
	// RemoteID, the contact the request is for (inserting the record when new; the other confirmed
	// fields are left alone). An empty RemoteID marks a create: a remote id
	// stored before (a contact deleted in the account) is cleared, so that
	// a run after a crash looks the contact up by phone instead of patching
	// the gone one and creating it blindly. It returns once the marks are
	// committed: only then may the request be sent.
	MarkInFlight(ctx context.Context, recs ...Record) error
	// Sending stamps UpdatedAt with now on each of recs still in flight,
	// right before a request for it leaves (the first after a wait for
	// the rate limiter, or a retry), so that a later run knows how recently
	// a stopped run may have sent it. It returns once committed; records
	// in another state, or absent, are left alone.
	Sending(ctx context.Context, recs ...Record) error
	// Confirm queues rec as confirmed by the API: every field is stored as
	// given, with state synced, Attempts 0, no error and SyncedAt now; att
	// is appended to the history. ctx bounds only the wait for queue space.
	Confirm(ctx context.Context, rec Record, att Attempt) error
	// Fail queues a refusal: state failed, LastError from att.Error (or
	// rec.LastError); the confirmed fields are left alone.
	Fail(ctx context.Context, rec Record, att Attempt) error
	// InDoubt queues an unknown outcome: state in_doubt, as for Fail.
	InDoubt(ctx context.Context, rec Record, att Attempt) error
	// KeepAsDNC queues that the API marked rec's contact do-not-call: the
	// record is kept with origin dnc and state synced, its contact, hashes,
	// phone and remote id untouched; att is appended to the history.
	KeepAsDNC(ctx context.Context, rec Record, att Attempt) error
	// Unsent queues a write that was never applied (stopped before it was
	// sent, or refused by a quota): state pending, as for Fail.
	Unsent(ctx context.Context, rec Record, att Attempt) error
	// Upsert queues rec to be stored exactly as given (State pending when
	// empty), without history.
	Upsert(ctx context.Context, rec Record) error
	// Remove queues the deletion of a record whose remote contact the API
	// confirmed deleted; att is appended to the kept history.
	Remove(ctx context.Context, rec Record, att Attempt) error
	// Flush returns once everything queued before it is committed.
	Flush(ctx context.Context) error
	// Err returns the sticky write error, or nil.
	Err() error
}

// RunLog records runs. A run is dirty from BeginRun until FinishRun.
type RunLog interface {
	// BeginRun records the start of a run and reports whether the latest
	// earlier non-dry run of the pipeline is still dirty, i.e. crashed
	// (call it while holding the pipeline's lock).
	BeginRun(ctx context.Context, pipeline string, dryRun bool) (runID int64, lastDirty bool, err error)
	// FinishRun clears the run's dirty flag and stores its exit code and its
	// counts as JSON. Everything queued before it is committed with it.
	FinishRun(ctx context.Context, runID int64, exitCode int, counts any) error
	// LastRuns returns up to n runs of pipeline, newest first.
	LastRuns(ctx context.Context, pipeline string, n int) ([]Run, error)
	// LastFinishedRun returns the newest finished, non-dry run of pipeline
	// that ended with one of exitCodes, however many other runs came
	// after it, and whether there is one.
	LastFinishedRun(ctx context.Context, pipeline string, exitCodes ...int) (Run, bool, error)
}

// Ledger is the per-day quota ledger shared by every process using the
// checkpoint. keyHash is the hex SHA-256 of the API key, never the key;
// day is a UTC day "2006-01-02" or a day index for scaled-time tests.
type Ledger interface {
	// SpendQuota adds n to the day's usage unless that would exceed limit
	// (limit <= 0 means no limit): ok=false spends nothing. used is the
	// usage after the call. It returns once the spend is committed.
	SpendQuota(ctx context.Context, keyHash, day string, n, limit int) (used int, ok bool, err error)
	// RefundQuota gives back n requests the API did not count (never below 0).
	RefundQuota(ctx context.Context, keyHash, day string, n int) error
	// RaiseQuota sets the day's usage to atLeast when it is lower, and
	// returns the usage after the call: the server counted requests this
	// ledger did not see (another client on the same key).
	RaiseQuota(ctx context.Context, keyHash, day string, atLeast int) (used int, err error)
	// QuotaUsed returns the day's committed usage (0 when none).
	QuotaUsed(ctx context.Context, keyHash, day string) (int, error)
}

// Cursors stores named strings per pipeline: incremental-pull cursors and
// metadata (such as the mapping hash of the last successful run). Setters
// return once committed.
type Cursors interface {
	// Cursor returns the cursor's value and whether it is set.
	Cursor(ctx context.Context, pipeline, name string) (string, bool, error)
	// SetCursor stores the cursor's value.
	SetCursor(ctx context.Context, pipeline, name, value string) error
	// Meta returns the metadata value and whether it is set.
	Meta(ctx context.Context, pipeline, name string) (string, bool, error)
	// SetMeta stores the metadata value.
	SetMeta(ctx context.Context, pipeline, name, value string) error
}

// Locker holds one run lock per pipeline as a lease that expires unless
// renewed, so a crashed holder never blocks the pipeline for long.
type Locker interface {
	// AcquireLock takes the lock for owner when it is free, expired or
	// already owner's, for ttl. Otherwise ok is false and holder and expires
	// describe the current lease.
	AcquireLock(ctx context.Context, pipeline, owner string, ttl time.Duration) (ok bool, holder string, expires time.Time, err error)
	// RenewLock extends owner's lease to now+ttl; it returns ErrLockLost
	// when owner no longer holds the lock.
	RenewLock(ctx context.Context, pipeline, owner string, ttl time.Duration) error
	// ReleaseLock deletes the lock if owner holds it, and does nothing
	// otherwise.
	ReleaseLock(ctx context.Context, pipeline, owner string) error
}
