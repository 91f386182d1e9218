package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// SQLiteStore is a Store in one SQLite file in WAL mode: readers never
// block the writer, and several processes may share the file (writes wait
// for the lock up to Options.BusyTimeout, then retry).
type SQLiteStore struct {
	*core
}

var _ Store = (*SQLiteStore)(nil)

// OpenSQLite opens (creating it if needed) the checkpoint at path, creating
// missing parent directories with mode 0700 and the file with mode 0600,
// and migrates its schema. It refuses, with a *SchemaError, a checkpoint
// written by a newer alexsync.
func OpenSQLite(ctx context.Context, path string, opts Options) (*SQLiteStore, error) {
	opts = opts.withDefaults()
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("checkpoint: %w: sqlite path %q (a plain file path, without ? or #)", ErrInvalid, path)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	db, err := gorm.Open(sqlite.Open(sqliteDSN(path, opts)), &gorm.Config{
		Logger:                 logger.Discard, // SQL carries phone numbers: never log it
		SkipDefaultTransaction: true,           // the writer makes every transaction
		NowFunc:                func() time.Time { return opts.Clock.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// Readers run in parallel in WAL mode; a bound keeps file handles few.
	sqlDB.SetMaxOpenConns(8)
	sqlDB.SetMaxIdleConns(8)
	c, err := openSQLiteCore(ctx, db, path, opts)
	if err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return &SQLiteStore{core: c}, nil
}

func openSQLiteCore(ctx context.Context, db *gorm.DB, path string, opts Options) (*core, error) {
	var mode string
	if err := db.WithContext(ctx).Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
		return nil, fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return nil, fmt.Errorf("checkpoint: open %s: journal mode is %q, not wal", path, mode)
	}
	return newCore(ctx, db, path, opts, sqliteBusy)
}

// sqliteDSN sets the pragmas on every connection of the pool: WAL,
// NORMAL sync (durable against process crashes; an OS crash may lose the
// last transactions, never corrupt), a busy timeout, and BEGIN IMMEDIATE so
// that a write transaction takes the lock up front instead of failing to
// upgrade a read snapshot another process has overtaken.
func sqliteDSN(path string, opts Options) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10))
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
}

// createPrivate creates path's missing directories (0700) and the file
// itself (0600) before SQLite does, which would use 0644. SQLite gives the
// -wal and -shm files the database file's mode.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// sqliteBusy reports SQLITE_BUSY and SQLITE_LOCKED: another connection or
// process holds the lock longer than the busy timeout.
func sqliteBusy(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return false
}
