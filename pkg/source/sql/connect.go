package sql

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"net/url"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Drivers lists the values Options.Driver accepts.
var Drivers = []string{"sqlite", "postgres", "mysql"}

// target says which database a DSN points at, in words safe to print,
// and which substrings of an error must never be printed.
type target struct {
	desc    string   // e.g. `postgres at 127.0.0.1:5432`
	secrets []string // passwords and the DSN itself, replaced in errors
}

// redactedError hides secrets from an error's message. Unwrap returns the
// original error, so errors.Is and errors.As still see the cause.
type redactedError struct {
	err     error
	secrets []string
}

func (e *redactedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return msg
}

func (e *redactedError) Unwrap() error { return e.err }

// redact wraps err so that its message cannot carry the target's secrets.
func (t target) redact(err error) error {
	if err == nil || len(t.secrets) == 0 {
		return err
	}
	return &redactedError{err: err, secrets: t.secrets}
}

// describe parses dsn only to say where it points and what to hide; a
// DSN that does not parse is described by its driver alone.
func describe(driver, dsn string) target {
	switch driver {
	case "postgres":
		t := target{desc: "postgres", secrets: []string{dsn}}
		// ParseConfig also applies libpq's fallbacks (PGPASSWORD,
		// .pgpass), which is what the connection will use too.
		if cfg, err := pgconn.ParseConfig(dsn); err == nil {
			t.desc = fmt.Sprintf("postgres at %s:%d", cfg.Host, cfg.Port)
			t.secrets = append(t.secrets, cfg.Password)
		}
		return t
	case "mysql":
		t := target{desc: "mysql", secrets: []string{dsn}}
		if cfg, err := gomysql.ParseDSN(dsn); err == nil {
			t.desc = fmt.Sprintf("mysql at %s", cfg.Addr)
			t.secrets = append(t.secrets, cfg.Passwd)
		}
		return t
	default:
		path, query, _ := strings.Cut(dsn, "?")
		t := target{desc: fmt.Sprintf("sqlite at %s", strings.TrimPrefix(path, "file:"))}
		// mattn/go-sqlite3 takes _auth_pass (and SQLCipher builds a key)
		// in the query string.
		if q, err := url.ParseQuery(query); err == nil {
			for k, vs := range q {
				if lk := strings.ToLower(k); strings.Contains(lk, "pass") || strings.Contains(lk, "key") {
					t.secrets = append(t.secrets, vs...)
				}
			}
		}
		return t
	}
}

// dialector returns the gorm dialector for a validated driver name.
func dialector(driver, dsn string) (gorm.Dialector, error) {
	switch driver {
	case "sqlite":
		return sqlite.Open(dsn), nil
	case "postgres":
		return postgres.Open(dsn), nil
	case "mysql":
		// The version probe would connect without a context; raw reads
		// need none of the features it detects.
		return mysql.New(mysql.Config{DSN: dsn, SkipInitializeWithVersion: true}), nil
	}
	return nil, fmt.Errorf("sql source: unknown driver %q: want one of %s", driver, strings.Join(Drivers, ", "))
}

// connect opens a silent gorm handle and checks the connection within ctx.
func connect(ctx context.Context, driver, dsn string, where target) (*gorm.DB, *stdsql.DB, error) {
	d, err := dialector(driver, dsn)
	if err != nil {
		return nil, nil, err
	}
	db, err := gorm.Open(d, &gorm.Config{
		Logger:                 logger.Discard, // SQL with its parameters never reaches a log
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true, // pinged below, within ctx
	})
	if err != nil {
		return nil, nil, fmt.Errorf("sql source: open %s: %w", where.desc, where.redact(err))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("sql source: open %s: %w", where.desc, where.redact(err))
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, nil, fmt.Errorf("sql source: connect to %s: %w", where.desc, where.redact(err))
	}
	return db, sqlDB, nil
}
