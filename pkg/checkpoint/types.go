package checkpoint

import (
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
)

// State is where a record stands in its life cycle.
type State string

// The record states.
const (
	// StatePending is a record known to the checkpoint but not yet sent.
	StatePending State = "pending"
	// StateInFlight is a record whose request may have reached the API: a
	// crash leaves it to be reconciled (by phone), never re-created blindly.
	StateInFlight State = "in_flight"
	// StateSynced is a record the API confirmed.
	StateSynced State = "synced"
	// StateFailed is a record the API refused; the next run retries it.
	StateFailed State = "failed"
	// StateInDoubt is a record whose outcome is unknown (timeout after the
	// request was sent); it is reconciled before anything else is sent.
	StateInDoubt State = "in_doubt"
)

// States lists every State, in life-cycle order.
var States = []State{StatePending, StateInFlight, StateSynced, StateFailed, StateInDoubt}

// Origin says how a remote contact came to be owned by alexsync. Deletes
// only ever touch records with an origin.
type Origin string

// The origins.
const (
	// OriginCreated is a contact alexsync created.
	OriginCreated Origin = "created"
	// OriginAdopted is a contact that existed remotely and alexsync matched.
	OriginAdopted Origin = "adopted"
	// OriginDNC is a contact alexsync marked do-not-call when its row left
	// the source (deletes.mode dnc). The record is kept: the contact is
	// never deleted, created a second time or made callable again; a row
	// that comes back updates its fields only.
	OriginDNC Origin = "dnc"
)

// Action is what an attempt tried to do.
type Action string

// The attempt actions.
const (
	ActionCreate    Action = "create"    // ActionCreate is a POST of a new contact.
	ActionUpdate    Action = "update"    // ActionUpdate is a PATCH of changed fields.
	ActionDelete    Action = "delete"    // ActionDelete is a DELETE of an owned contact.
	ActionAdopt     Action = "adopt"     // ActionAdopt matched an existing contact.
	ActionReconcile Action = "reconcile" // ActionReconcile resolved an in-flight or in-doubt record.
	ActionDNC       Action = "dnc"       // ActionDNC marked an owned contact do-not-call.
)

// Record is the checkpoint's view of one source record of a pipeline,
// identified by (Pipeline, Key).
type Record struct {
	Pipeline    string
	Key         string // external key from the source
	RowHash     string // hex hash of the source row as last confirmed
	ContactHash string // hex hash of the contact as last confirmed
	Contact     string // JSON of the contact as last confirmed by the API
	RemoteID    string
	Origin      Origin
	State       State
	Attempts    int    // sends since the last confirmation
	LastError   string // last failure, for explain
	Line        int64  // source line of the row, for explain
	Phone       string // E.164, to reconcile in-flight and in-doubt records
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SyncedAt    time.Time // zero until first confirmed
}

// BaselineRecord is the part of a Record a run diffs against: what
// Reader.Baseline streams.
type BaselineRecord struct {
	Key         string
	RowHash     string
	ContactHash string
	RemoteID    string
	Origin      Origin
	State       State
	Phone       string
}

// Attempt is one entry of a record's history; the store keeps the last
// Options.AttemptsKept per record.
type Attempt struct {
	Pipeline  string // filled from the record when written through the journal
	Key       string // filled from the record when written through the journal
	At        time.Time
	Action    Action
	Status    int    // HTTP status, 0 when no response arrived
	Outcome   string // short word: "ok", "refused", "timeout", ...
	Error     string
	RequestID string
}

// Run is one execution of a pipeline.
type Run struct {
	ID         int64
	Pipeline   string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running, or forever if it crashed
	ExitCode   int
	Counts     string // JSON of the counts passed to FinishRun
	Dirty      bool   // set by BeginRun, cleared by FinishRun
	DryRun     bool
}

// Stats counts the writer's work since the Store was opened.
type Stats struct {
	Ops      int64 // operations committed (or failed)
	Batches  int64 // transactions attempted
	MaxBatch int   // largest batch
	Retries  int64 // transactions retried because the database was busy
}

// Options tune a Store. The zero value gives the defaults shown on each
// field.
type Options struct {
	Clock        clock.Clock   // clock.Real{}
	BatchSize    int           // 256 operations per transaction
	BatchWait    time.Duration // 2ms linger for more operations; < 0 disables
	QueueSize    int           // 4096 queued operations before writers block
	PageSize     int           // 500 records per page when streaming
	AttemptsKept int           // 20 attempts per record
	BusyTimeout  time.Duration // 5s, how long SQLite waits for a lock
	BusyRetries  int           // 5 retries of a busy transaction
	// SnapshotChunk is how many records one blob of the baseline snapshot
	// holds: 8192.
	SnapshotChunk int
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.BatchWait == 0 {
		o.BatchWait = 2 * time.Millisecond
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 4096
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.AttemptsKept <= 0 {
		o.AttemptsKept = 20
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.SnapshotChunk <= 0 {
		o.SnapshotChunk = 8192
	}
	if o.BusyRetries <= 0 {
		o.BusyRetries = 5
	}
	return o
}
