package checkpoint

import "time"

// The runtime row types map columns for queries. The schema itself is
// created by the versioned migrations (migrate_v1.go), never from these.

type recordRow struct {
	Pipeline    string
	Key         string `gorm:"column:key"`
	RowHash     string
	ContactHash string
	Contact     string
	RemoteID    string
	Origin      string
	State       string
	Attempts    int
	LastError   string
	Line        int64
	Phone       string
	CreatedAt   time.Time  `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time  `gorm:"autoUpdateTime:false"`
	SyncedAt    *time.Time `gorm:"column:synced_at"`
}

func (recordRow) TableName() string { return "records" }

type attemptRow struct {
	ID        int64 `gorm:"primaryKey;autoIncrement"`
	Pipeline  string
	Key       string `gorm:"column:key"`
	At        time.Time
	Action    string
	Status    int
	Outcome   string
	Error     string
	RequestID string
}

func (attemptRow) TableName() string { return "attempts" }

type runRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	Pipeline   string
	StartedAt  time.Time
	FinishedAt *time.Time
	ExitCode   int
	Counts     string
	Dirty      bool
	DryRun     bool
}

func (runRow) TableName() string { return "runs" }

type quotaRow struct {
	KeyHash   string `gorm:"primaryKey"`
	Day       string `gorm:"primaryKey"`
	Used      int
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (quotaRow) TableName() string { return "quota_ledger" }

// kvRow is a row of the cursors and meta tables, which share a shape.
type kvRow struct {
	Pipeline  string `gorm:"primaryKey"`
	Name      string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

// lockRow times are Unix milliseconds so that lease expiry is compared in
// SQL the same way by every driver.
type lockRow struct {
	Pipeline   string `gorm:"primaryKey"`
	Owner      string
	AcquiredAt int64
	ExpiresAt  int64
}

func (lockRow) TableName() string { return "locks" }

const (
	tableCursors = "cursors"
	tableMeta    = "meta"
)

func (r recordRow) record() Record {
	rec := Record{
		Pipeline: r.Pipeline, Key: r.Key, RowHash: r.RowHash, ContactHash: r.ContactHash,
		Contact: r.Contact, RemoteID: r.RemoteID, Origin: Origin(r.Origin), State: State(r.State),
		Attempts: r.Attempts, LastError: r.LastError, Line: r.Line, Phone: r.Phone,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.SyncedAt != nil {
		rec.SyncedAt = r.SyncedAt.UTC()
	}
	return rec
}

func newRecordRow(rec Record) recordRow {
	row := recordRow{
		Pipeline: rec.Pipeline, Key: rec.Key, RowHash: rec.RowHash, ContactHash: rec.ContactHash,
		Contact: rec.Contact, RemoteID: rec.RemoteID, Origin: string(rec.Origin), State: string(rec.State),
		Attempts: rec.Attempts, LastError: rec.LastError, Line: rec.Line, Phone: rec.Phone,
		CreatedAt: rec.CreatedAt.UTC(), UpdatedAt: rec.UpdatedAt.UTC(),
	}
	if !rec.SyncedAt.IsZero() {
		t := rec.SyncedAt.UTC()
		row.SyncedAt = &t
	}
	return row
}

func (a attemptRow) attempt() Attempt {
	return Attempt{
		Pipeline: a.Pipeline, Key: a.Key, At: a.At.UTC(), Action: Action(a.Action), Status: a.Status,
		Outcome: a.Outcome, Error: a.Error, RequestID: a.RequestID,
	}
}

func (r runRow) run() Run {
	run := Run{
		ID: r.ID, Pipeline: r.Pipeline, StartedAt: r.StartedAt.UTC(), ExitCode: r.ExitCode,
		Counts: r.Counts, Dirty: r.Dirty, DryRun: r.DryRun,
	}
	if r.FinishedAt != nil {
		run.FinishedAt = r.FinishedAt.UTC()
	}
	return run
}
