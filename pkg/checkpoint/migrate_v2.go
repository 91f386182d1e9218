package checkpoint

import (
	"gorm.io/gorm"
)

// Migration 2 adds the baseline snapshot: a compact copy of the
// diff-relevant columns of a pipeline's records (see baseline.go), and a
// change log that triggers on records fill for every pipeline that has a
// snapshot. A run reads the snapshot plus the records changed since it,
// instead of every record; the end of a run folds the log into a new
// snapshot. Triggers, not the journal, write the log so that every write
// path (including a hand-edited checkpoint) is seen.

var v2SQLite = []string{
	`CREATE TABLE baselines (pipeline TEXT NOT NULL PRIMARY KEY, id INTEGER NOT NULL, seq INTEGER NOT NULL,
		chunks INTEGER NOT NULL, entries INTEGER NOT NULL, written_at DATETIME NOT NULL)`,
	`CREATE TABLE baseline_chunks (pipeline TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,
		PRIMARY KEY (pipeline, n))`,
	// AUTOINCREMENT: a seq is never reused, even after the log is emptied.
	`CREATE TABLE record_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, pipeline TEXT NOT NULL, key TEXT NOT NULL)`,
	`CREATE INDEX idx_record_changes ON record_changes (pipeline, seq)`,
	`CREATE TRIGGER records_changes_ins AFTER INSERT ON records
		WHEN EXISTS (SELECT 1 FROM baselines WHERE pipeline = NEW.pipeline)
		BEGIN INSERT INTO record_changes (pipeline, key) VALUES (NEW.pipeline, NEW.key); END`,
	`CREATE TRIGGER records_changes_upd AFTER UPDATE ON records
		WHEN EXISTS (SELECT 1 FROM baselines WHERE pipeline IN (NEW.pipeline, OLD.pipeline))
		BEGIN
			INSERT INTO record_changes (pipeline, key) VALUES (NEW.pipeline, NEW.key);
			INSERT INTO record_changes (pipeline, key) SELECT OLD.pipeline, OLD.key
				WHERE OLD.pipeline IS NOT NEW.pipeline OR OLD.key IS NOT NEW.key;
		END`,
	`CREATE TRIGGER records_changes_del AFTER DELETE ON records
		WHEN EXISTS (SELECT 1 FROM baselines WHERE pipeline = OLD.pipeline)
		BEGIN INSERT INTO record_changes (pipeline, key) VALUES (OLD.pipeline, OLD.key); END`,
}

// The PostgreSQL variant: text COLLATE "C" as in migration 1, a sequence
// for seq, and one plpgsql trigger function.
var v2Postgres = []string{
	`CREATE TABLE baselines (pipeline text COLLATE "C" NOT NULL PRIMARY KEY, id bigint NOT NULL, seq bigint NOT NULL,
		chunks integer NOT NULL, entries bigint NOT NULL, written_at timestamptz NOT NULL)`,
	`CREATE TABLE baseline_chunks (pipeline text COLLATE "C" NOT NULL, n integer NOT NULL, data bytea NOT NULL,
		PRIMARY KEY (pipeline, n))`,
	`CREATE TABLE record_changes (seq bigserial PRIMARY KEY, pipeline text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL)`,
	`CREATE INDEX idx_record_changes ON record_changes (pipeline, seq)`,
	`CREATE FUNCTION alexsync_record_changed() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF (TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.pipeline, OLD.key) IS DISTINCT FROM (NEW.pipeline, NEW.key)))
			AND EXISTS (SELECT 1 FROM baselines WHERE pipeline = OLD.pipeline) THEN
			INSERT INTO record_changes (pipeline, key) VALUES (OLD.pipeline, OLD.key);
		END IF;
		IF TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM baselines WHERE pipeline = NEW.pipeline) THEN
			INSERT INTO record_changes (pipeline, key) VALUES (NEW.pipeline, NEW.key);
		END IF;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER records_changes AFTER INSERT OR UPDATE OR DELETE ON records
		FOR EACH ROW EXECUTE FUNCTION alexsync_record_changed()`,
}

// migrateV2 creates the baseline snapshot tables and the change-log
// triggers.
func migrateV2(tx *gorm.DB) error {
	stmts := v2SQLite
	if tx.Dialector.Name() == "postgres" {
		stmts = v2Postgres
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	return nil
}
