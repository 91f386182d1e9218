package checkpoint

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned schema step. Steps run in order, each in its
// own transaction together with the insertion of its schema_version row.
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB) error
}

// migrations is append-only: never edit or reorder a released step.
var migrations = []migration{
	{version: 1, name: "initial schema", up: migrateV1},
	{version: 2, name: "baseline snapshot", up: migrateV2},
}

// SchemaVersion is the newest schema this binary knows: the version of the
// last migration.
const SchemaVersion = 2

type schemaVersionRow struct {
	Version   int       `gorm:"primaryKey;autoIncrement:false"`
	Name      string    `gorm:"size:191;not null;default:''"`
	AppliedAt time.Time `gorm:"not null"`
}

func (schemaVersionRow) TableName() string { return "schema_version" }

// migrate brings the schema to SchemaVersion, or refuses a newer one with a
// *SchemaError. Several processes may migrate at once: each step re-reads
// the version inside its transaction.
func migrate(ctx context.Context, db *gorm.DB, now func() time.Time) error {
	db = db.WithContext(ctx)
	if err := ensureVersionTable(db); err != nil {
		return fmt.Errorf("checkpoint: create schema_version: %w", err)
	}
	for _, m := range migrations {
		err := db.Transaction(func(tx *gorm.DB) error {
			v, err := schemaVersion(tx)
			if err != nil {
				return err
			}
			if v > SchemaVersion {
				return &SchemaError{Found: v, Known: SchemaVersion}
			}
			if v >= m.version {
				return nil
			}
			if err := m.up(tx); err != nil {
				return err
			}
			return tx.Create(&schemaVersionRow{Version: m.version, Name: m.name, AppliedAt: now().UTC()}).Error
		})
		if err != nil {
			if _, ok := err.(*SchemaError); ok {
				return err
			}
			return fmt.Errorf("checkpoint: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

func ensureVersionTable(db *gorm.DB) error {
	if db.Migrator().HasTable(&schemaVersionRow{}) {
		return nil
	}
	err := db.Migrator().CreateTable(&schemaVersionRow{})
	if err != nil && db.Migrator().HasTable(&schemaVersionRow{}) {
		return nil // another process created it first
	}
	return err
}

// schemaVersion returns the highest applied version, 0 for a new database.
func schemaVersion(tx *gorm.DB) (int, error) {
	var v int
	err := tx.Model(&schemaVersionRow{}).Select("COALESCE(MAX(version), 0)").Scan(&v).Error
	return v, err
}
