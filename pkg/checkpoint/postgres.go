package checkpoint

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// PostgresStore is a Store in a PostgreSQL database that several hosts may
// share. The checkpoint lives in the first schema of the connection's
// search_path. Every host's writes are READ COMMITTED transactions whose
// checks are single conditional statements (the quota spend, the lease
// takeover), so concurrent hosts never over-spend a day or share a lock.
type PostgresStore struct {
	*core
}

var _ Store = (*PostgresStore)(nil)

const (
	// pgMaxConns bounds each store's pool: the writer holds one connection,
	// readers and the migration lock share the rest.
	pgMaxConns = 8
	// pgMigrateLockTimeout is how long OpenPostgres waits for another
	// host's migration to finish.
	pgMigrateLockTimeout = 2 * time.Minute
	// pgMigrateLockName, with the schema's name, keys the advisory lock
	// taken around migrations.
	pgMigrateLockName = "alexsync.checkpoint.migrate:"
	// pgApplicationName is the application_name of the store's sessions
	// unless the DSN sets one.
	pgApplicationName = "alexsync"
)

// OpenPostgres connects to the PostgreSQL database named by dsn, a
// postgres:// or postgresql:// URL or a key=value DSN (libpq syntax), and
// migrates the checkpoint's schema under an advisory lock, so that hosts
// starting at once migrate one after the other. It refuses, with a
// *SchemaError, a checkpoint written by a newer alexsync. Options.BusyTimeout
// becomes the sessions' lock_timeout unless the DSN sets one: a write that
// waits longer for another host's lock is retried, as are serialization
// failures and deadlocks. Neither Location nor any returned error contains
// the DSN's password.
func OpenPostgres(ctx context.Context, dsn string, opts Options) (*PostgresStore, error) {
	opts = opts.withDefaults()
	location, secrets := redactDSN(dsn)
	fail := func(err error) error {
		return &redactedError{err: fmt.Errorf("checkpoint: open %s: %w", location, err), secrets: secrets}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fail(fmt.Errorf("%w: postgres DSN: %w", ErrInvalid, err))
	}
	// ParseConfig applies PGPASSWORD and .pgpass too: never print those.
	secrets = append(secrets, cfg.Password)
	if _, ok := cfg.RuntimeParams["lock_timeout"]; !ok {
		cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = pgApplicationName
	}
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(pgMaxConns)
	sqlDB.SetMaxIdleConns(pgMaxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	c, err := openPostgresCore(ctx, sqlDB, location, opts)
	if err != nil {
		_ = sqlDB.Close()
		return nil, fail(err)
	}
	return &PostgresStore{core: c}, nil
}

func openPostgresCore(ctx context.Context, sqlDB *sql.DB, location string, opts Options) (*core, error) {
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, err
	}
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Discard, // SQL carries phone numbers: never log it
		SkipDefaultTransaction: true,           // the writer makes every transaction
		DisableAutomaticPing:   true,           // pinged above, under ctx
		NowFunc:                func() time.Time { return opts.Clock.Now().UTC() },
	})
	if err != nil {
		return nil, err
	}
	unlock, err := pgLockMigrations(ctx, sqlDB)
	if err != nil {
		return nil, fmt.Errorf("lock for migrations: %w", err)
	}
	defer unlock()
	return newCore(ctx, db, location, opts, pgBusy)
}

// pgLockMigrations takes a session-level advisory lock on one pooled
// connection, keyed by the checkpoint's schema, and returns its release.
// The migration itself runs on other connections: the lock only makes
// other hosts wait.
func pgLockMigrations(ctx context.Context, sqlDB *sql.DB) (unlock func(), err error) {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	const key = "hashtextextended($1::text || COALESCE(current_schema()::text, ''), 0)"
	// lock_timeout bounds advisory lock waits too; a migration may take
	// longer than a row lock is held.
	_, err = conn.ExecContext(ctx, "SELECT set_config('lock_timeout', $1, false)",
		strconv.FormatInt(pgMigrateLockTimeout.Milliseconds(), 10))
	if err == nil {
		_, err = conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")", pgMigrateLockName)
	}
	release := func() {
		ctx := context.WithoutCancel(ctx)
		_, uerr := conn.ExecContext(ctx, "SELECT pg_advisory_unlock("+key+")", pgMigrateLockName)
		_, rerr := conn.ExecContext(ctx, "RESET lock_timeout")
		if uerr != nil || rerr != nil {
			// Drop the session, which releases its locks, rather than pool
			// it with the lock or the long timeout still in place.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}
	if err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// pgBusy reports the errors after which a whole transaction may simply be
// run again: serialization failure, deadlock, and lock_timeout expiry
// (another host held a row lock longer than Options.BusyTimeout, as
// SQLITE_BUSY after the busy timeout).
func pgBusy(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "55P03":
			return true
		}
	}
	return false
}

// pgTables are the checkpoint's tables, for SizeBytes.
var pgTables = []string{"records", "attempts", "runs", "quota_ledger", "cursors", "meta", "locks",
	"schema_version", "baselines", "baseline_chunks", "record_changes"}

// SizeBytes returns the disk space of the checkpoint's tables, their
// indexes and TOAST data in the store's schema.
func (s *PostgresStore) SizeBytes(ctx context.Context) (int64, error) {
	db, err := s.read(ctx)
	if err != nil {
		return 0, err
	}
	var size int64
	err = db.Raw(`SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname IN ?`, pgTables).Scan(&size).Error
	return size, err
}
