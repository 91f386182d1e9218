package checkpoint

import (
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The v1 schema, frozen: later migrations alter it with explicit steps and
// never edit these types, so that migration 1 creates the same tables
// forever.

type v1Record struct {
	Pipeline    string     `gorm:"primaryKey;size:191;index:idx_records_state,priority:1;index:idx_records_phone,priority:1"`
	Key         string     `gorm:"column:key;primaryKey;size:512"`
	RowHash     string     `gorm:"size:64;not null;default:''"`
	ContactHash string     `gorm:"size:64;not null;default:''"`
	Contact     string     `gorm:"type:text;not null;default:''"`
	RemoteID    string     `gorm:"size:191;not null;default:''"`
	Origin      string     `gorm:"size:16;not null;default:''"`
	State       string     `gorm:"size:16;not null;index:idx_records_state,priority:2"`
	Attempts    int        `gorm:"not null;default:0"`
	LastError   string     `gorm:"type:text;not null;default:''"`
	Line        int64      `gorm:"not null;default:0"`
	Phone       string     `gorm:"size:32;not null;default:'';index:idx_records_phone,priority:2"`
	CreatedAt   time.Time  `gorm:"not null;autoCreateTime:false"`
	UpdatedAt   time.Time  `gorm:"not null;autoUpdateTime:false"`
	SyncedAt    *time.Time `gorm:"column:synced_at"`
}

func (v1Record) TableName() string { return "records" }

type v1Attempt struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	Pipeline  string    `gorm:"size:191;not null;index:idx_attempts_record,priority:1"`
	Key       string    `gorm:"column:key;size:512;not null;index:idx_attempts_record,priority:2"`
	At        time.Time `gorm:"not null"`
	Action    string    `gorm:"size:16;not null"`
	Status    int       `gorm:"not null;default:0"`
	Outcome   string    `gorm:"size:64;not null;default:''"`
	Error     string    `gorm:"type:text;not null;default:''"`
	RequestID string    `gorm:"size:191;not null;default:''"`
}

func (v1Attempt) TableName() string { return "attempts" }

type v1Run struct {
	ID         int64      `gorm:"primaryKey;autoIncrement"`
	Pipeline   string     `gorm:"size:191;not null;index:idx_runs_pipeline"`
	StartedAt  time.Time  `gorm:"not null"`
	FinishedAt *time.Time `gorm:"column:finished_at"`
	ExitCode   int        `gorm:"not null;default:0"`
	Counts     string     `gorm:"type:text;not null;default:''"`
	Dirty      bool       `gorm:"not null"`
	DryRun     bool       `gorm:"not null"`
}

func (v1Run) TableName() string { return "runs" }

type v1Quota struct {
	KeyHash   string    `gorm:"primaryKey;size:64"`
	Day       string    `gorm:"primaryKey;size:32"`
	Used      int       `gorm:"not null;default:0"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (v1Quota) TableName() string { return "quota_ledger" }

type v1KV struct {
	Pipeline  string    `gorm:"primaryKey;size:191"`
	Name      string    `gorm:"primaryKey;size:191"`
	Value     string    `gorm:"type:text;not null;default:''"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

type v1Lock struct {
	Pipeline   string `gorm:"primaryKey;size:191"`
	Owner      string `gorm:"size:191;not null"`
	AcquiredAt int64  `gorm:"not null"`
	ExpiresAt  int64  `gorm:"not null"`
}

func (v1Lock) TableName() string { return "locks" }

// migrateV1 creates the initial schema.
func migrateV1(tx *gorm.DB) error {
	m := tx.Migrator()
	if err := m.CreateTable(&v1Record{}, &v1Attempt{}, &v1Run{}, &v1Quota{}, &v1Lock{}); err != nil {
		return err
	}
	for _, name := range []string{tableCursors, tableMeta} {
		if err := tx.Table(name).Migrator().CreateTable(&v1KV{}); err != nil {
			return err
		}
	}
	if tx.Dialector.Name() == "postgres" {
		return unboundedTextV1(tx)
	}
	return nil
}

// v1Tables are the tables migration 1 creates.
var v1Tables = []string{"records", "attempts", "runs", "quota_ledger", "locks", tableCursors, tableMeta}

// unboundedTextV1 turns every varchar(n) column of the v1 tables into text
// COLLATE "C", so that PostgreSQL stores and compares strings as SQLite
// does: no length limit (a long record key must not fail a commit), and
// byte order whatever the server's locale, so that Records and ByState
// page by key in the same order everywhere and the primary key indexes
// serve that order. The tables are empty: rewriting them costs nothing.
func unboundedTextV1(tx *gorm.DB) error {
	var cols []struct{ TableName, ColumnName string }
	err := tx.Raw(`SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name IN ? AND data_type = 'character varying'
		ORDER BY table_name, ordinal_position`, v1Tables).Scan(&cols).Error
	if err != nil {
		return err
	}
	for _, c := range cols {
		err := tx.Exec(`ALTER TABLE ? ALTER COLUMN ? TYPE text COLLATE "C"`,
			clause.Table{Name: c.TableName}, clause.Column{Name: c.ColumnName}).Error
		if err != nil {
			return err
		}
	}
	return nil
}
