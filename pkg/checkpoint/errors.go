package checkpoint

import (
	"errors"
	"fmt"
)

// ErrWrite is matched (errors.Is) by every error caused by a failed commit.
// The journal is then unusable: stop the run.
var ErrWrite = errors.New("checkpoint write failed")

// ErrClosed is returned by calls on a closed Store.
var ErrClosed = errors.New("checkpoint is closed")

// ErrLockLost is returned by RenewLock when the caller no longer holds the
// lock (it expired and another owner took it, or it was released).
var ErrLockLost = errors.New("checkpoint lock lost")

// ErrNewerSchema is matched by the error returned when opening a checkpoint
// written by a newer alexsync.
var ErrNewerSchema = errors.New("checkpoint schema is newer than this binary")

// ErrUnknownRun is returned by FinishRun for a run ID that does not exist.
var ErrUnknownRun = errors.New("unknown run")

// WriteError is the sticky error of a failed commit. It matches ErrWrite
// and unwraps to the database's error.
type WriteError struct {
	Err error
}

// Error says the checkpoint could not be written and why.
func (e *WriteError) Error() string { return "checkpoint write failed: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *WriteError) Unwrap() error { return e.Err }

// Is matches ErrWrite.
func (e *WriteError) Is(target error) bool { return target == ErrWrite }

// SchemaError reports a checkpoint whose schema version this binary does not
// know. It matches ErrNewerSchema.
type SchemaError struct {
	Found, Known int
}

// Error tells the user to upgrade.
func (e *SchemaError) Error() string {
	return fmt.Sprintf("checkpoint was written by a newer alexsync (schema %d); upgrade (this binary knows schema %d)", e.Found, e.Known)
}

// Is matches ErrNewerSchema.
func (e *SchemaError) Is(target error) bool { return target == ErrNewerSchema }

// ErrInvalid is matched by errors for arguments the store refuses before
// queuing anything (empty pipeline or key, negative counts, ...).
var ErrInvalid = errors.New("invalid checkpoint argument")
