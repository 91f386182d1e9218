// Package checkpoint is the sync engine's durable journal: what each record
// of a pipeline looked like when the SmartAlex API last confirmed it, which
// records are in flight, the history of attempts, the runs, the per-day
// quota ledger, cursors, metadata and the run lock.
//
// The behaviour lives behind the Store interface so that the SQLite store
// (OpenSQLite) and the PostgreSQL store (OpenPostgres) pass the same
// conformance suite (package checkpointtest). SQL stays portable: gorm
// models and clauses everywhere, database-only settings only in the
// openers and in dialect-guarded migration steps.
//
// # One writer, group commit
//
// Every write goes through one goroutine per Store (the writer), which
// commits queued operations in transactions of up to Options.BatchSize
// operations, lingering Options.BatchWait for more after the first one.
// Blocking writes (MarkInFlight, SpendQuota, AcquireLock, BeginRun, ...)
// return once the transaction that holds them has committed, so many
// workers' in-flight marks share one commit. Asynchronous writes (Confirm,
// Fail, InDoubt, Upsert, Remove) return once queued; Flush waits until
// everything queued before it is committed, and Close flushes.
//
// A failed commit (disk full, I/O error, database closed) is sticky: the
// operations of that batch and every later call return a *WriteError,
// matched by errors.Is(err, ErrWrite), and the caller should stop the run.
//
// Cancelling the context of a blocking write returns ctx.Err() at once, but
// an operation already queued may still commit: a caller that gave up on a
// MarkInFlight must not send the request, and must expect the mark to exist.
//
// Reads (Get, Records, ByState, ...) see committed data only: call Flush
// first to read an asynchronous write back.
//
// # Portability
//
// The store core (everything but sqlite.go and postgres.go) uses gorm
// models and clauses that SQLite and PostgreSQL both accept: ON CONFLICT
// upserts, a conditional UPDATE for the quota check, CASE, COALESCE, a NOT
// IN subquery with LIMIT. Lease times are Unix milliseconds so that expiry
// is an integer comparison in SQL; they come from each process's clock,
// so hosts sharing a PostgreSQL checkpoint need synchronized clocks (NTP).
//
// Every check-then-write is one conditional statement (the quota spend, the
// lease takeover) or an INSERT ... ON CONFLICT, so it stays correct under
// PostgreSQL's READ COMMITTED, where SQLite's single writer lock is absent.
// An op that finds a row changed between two of its statements returns
// errContended and the writer retries its batch, as it does for SQLite's
// busy errors and PostgreSQL's serialization failures, deadlocks and
// lock_timeout expiries. In PostgreSQL every string column is text (no
// length limit, as in SQLite) and the identifying ones are COLLATE "C", so
// that records stream in byte order in both; migrations run under an
// advisory lock keyed by the schema.
package checkpoint
