// Package sql is a sink.Writer that stores each table in a table of a
// SQLite, PostgreSQL or MySQL/MariaDB database through gorm, upserting by
// key.
//
// # Schema
//
// A table is created on its first Replace of a run if it does not exist
// (CREATE TABLE IF NOT EXISTS), named Options.TablePrefix + the table's
// name, with one column per sink column: Text and Phone as TEXT (MEDIUMTEXT
// on MySQL, whose key column is VARCHAR(191) with a binary collation so it
// can be indexed and compares exactly), Number as REAL / DOUBLE PRECISION /
// DOUBLE, Time as TIMESTAMP holding UTC (DATETIME(6) on MySQL). A table
// that exists with fewer columns gets the missing ones (ALTER TABLE ADD
// COLUMN); extra columns are left alone and column types are not checked.
// A table that lacks the key column is another application's: it is
// refused (ErrForeignTable), never altered.
// The key column is indexed. Identifiers are quoted for the dialect and
// values are always bound parameters.
//
// # Values
//
// Text and Phone are stored as is (a database runs no formulas); nil
// numbers and zero times are NULL; times are stored in UTC, to the
// microsecond on PostgreSQL and MySQL.
//
// # Runs
//
// A run is a sequence of transactions, the first begun by Open: Replace
// deletes the stored rows of the batch's keys (DELETE ... WHERE key IN
// (...), up to BatchRows keys a statement) and inserts the batch
// (multi-row INSERTs of up to BatchRows rows); Commit commits the
// transaction and begins the next; Close commits, Abort rolls back what
// the last Commit did not commit. Other connections see nothing of a
// transaction before it commits. Exception: MySQL commits DDL implicitly,
// so there the tables are created and migrated outside the run's
// transactions, and an aborted run can leave a new, empty table. After a
// database error the transaction is lost: every later call returns that
// error and Close rolls back. Memory holds one batch; the database holds
// the uncommitted rows of one transaction.
package sql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/alexsync/alexsync/pkg/sink"
)

// ErrForeignTable is matched when a table of the output's name exists but
// was not written by alexsync (it lacks the key column).
var ErrForeignTable = errors.New("sql sink: not an alexsync table")

// ErrClosed is returned by Replace and Close after Close or Abort.
var ErrClosed = errors.New("sql sink: writer closed")

// DefaultBatchRows is the default of Options.BatchRows.
const DefaultBatchRows = 500

// maxParams bounds the parameters of one statement, under the limits of
// SQLite (32766), PostgreSQL and MySQL (65535).
const maxParams = 30000

// Options configure a Writer. The zero value uses the tables' own names
// and DefaultBatchRows.
type Options struct {
	// TablePrefix is prepended to every table name, e.g. "alexsync_".
	// Table and column names may hold any character but ? @ and NUL.
	TablePrefix string
	// BatchRows is the most rows one INSERT (or keys one DELETE) carries;
	// it is lowered so a statement has at most 30,000 parameters.
	BatchRows int
}

// Writer is a SQL sink.Writer for one run: a transaction per Commit. It is
// not safe for concurrent use.
type Writer struct {
	ctx   context.Context
	db    *gorm.DB // the pool, for MySQL's DDL
	sqlDB *stdsql.DB
	tx    *gorm.DB
	d     dialect
	opts  Options
	ready map[string]sink.Table // tables checked in this run
	err   error                 // sticky: the transaction is lost
	done  bool
}

var _ sink.Writer = (*Writer)(nil)

// Open connects to the database (driver "sqlite", "postgres" or "mysql";
// dsn as gorm's driver for it takes it) and begins the run's transaction,
// with the zero Options. ctx bounds the whole run: cancelling it rolls the
// run back.
func Open(ctx context.Context, driver, dsn string) (*Writer, error) {
	return OpenWith(ctx, driver, dsn, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, driver, dsn string, opts Options) (*Writer, error) {
	d, err := dialectOf(driver)
	if err != nil {
		return nil, err
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	db, err := gorm.Open(d.open(dsn), &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, fmt.Errorf("sql sink: open %s: %w", driver, err)
	}
	sqlDB, err := db.DB()
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	if err != nil {
		if sqlDB != nil {
			sqlDB.Close()
		}
		return nil, fmt.Errorf("sql sink: connect %s: %w", driver, err)
	}
	db = db.WithContext(ctx)
	tx := db.Begin()
	if tx.Error != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("sql sink: begin: %w", tx.Error)
	}
	return &Writer{ctx: ctx, db: db, sqlDB: sqlDB, tx: tx, d: d, opts: opts, ready: map[string]sink.Table{}}, nil
}

// Replace stores rows in table (see sink.Writer) inside the run's
// transaction. Rows are validated first: a batch refused for its values
// has no effect and the run goes on.
func (w *Writer) Replace(table sink.Table, rows []sink.Row) error {
	if w.done {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	key, err := checkTable(w.opts.TablePrefix, table)
	if err != nil {
		return err
	}
	args, keys, err := values(table, key, rows)
	if err != nil {
		return err
	}
	if err := w.prepare(table); err != nil {
		return w.fail(err)
	}
	if err := w.replace(table, keys, args); err != nil {
		return w.fail(err)
	}
	return nil
}

// checkTable returns the index of table's key column, or an error for a
// table this sink cannot store. gorm reads ? and @ in statements as
// parameters, so identifiers may not hold them.
func checkTable(prefix string, table sink.Table) (int, error) {
	bad := func(id string) bool { return id == "" || strings.ContainsAny(id, "?@\x00") }
	if bad(prefix + table.Name) {
		return 0, fmt.Errorf("sql sink: invalid table name %q", prefix+table.Name)
	}
	for _, c := range table.Columns {
		if bad(c.Name) {
			return 0, fmt.Errorf("sql sink: table %s: invalid column name %q", table.Name, c.Name)
		}
	}
	key := slices.IndexFunc(table.Columns, func(c sink.Column) bool { return c.Name == table.Key })
	if key < 0 {
		return 0, fmt.Errorf("sql sink: table %s: key column %q is not one of its columns", table.Name, table.Key)
	}
	return key, nil
}

// prepare creates or migrates table on its first use in the run.
func (w *Writer) prepare(table sink.Table) error {
	if t, ok := w.ready[table.Name]; ok {
		if t.Key != table.Key || !slices.Equal(t.Columns, table.Columns) {
			return fmt.Errorf("table %s changed its columns within the run", table.Name)
		}
		return nil
	}
	conn := w.tx
	if !w.d.ddlInTx {
		conn = w.db
	}
	if err := w.d.migrate(conn, w.opts.TablePrefix+table.Name, table); err != nil {
		return err
	}
	w.ready[table.Name] = table
	return nil
}

// fail makes err sticky: the transaction cannot be trusted any more.
func (w *Writer) fail(err error) error {
	w.err = fmt.Errorf("sql sink: %w", err)
	return w.err
}

// Commit commits the rows replaced so far and begins the next
// transaction. After a failed Commit the run is lost: later calls return
// the error.
func (w *Writer) Commit() error {
	if w.done {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if err := w.tx.Commit().Error; err != nil {
		return w.fail(fmt.Errorf("commit: %w", err))
	}
	w.tx = w.db.Begin()
	if err := w.tx.Error; err != nil {
		return w.fail(fmt.Errorf("begin: %w", err))
	}
	return nil
}

// Close commits the run, or rolls back what the last Commit did not
// commit and returns the error that lost it. After Close, Replace, Commit
// and Close return ErrClosed and Abort does nothing.
func (w *Writer) Close() error {
	if w.done {
		return ErrClosed
	}
	w.done = true
	defer w.sqlDB.Close()
	if w.err != nil {
		w.tx.Rollback()
		return fmt.Errorf("run rolled back: %w", w.err)
	}
	if err := w.tx.Commit().Error; err != nil {
		return fmt.Errorf("sql sink: commit: %w", err)
	}
	return nil
}

// Abort rolls back what the last Commit did not commit. It returns nil
// after Close or Abort.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	defer w.sqlDB.Close()
	// After a sticky error the transaction may be gone (a failed Begin):
	// there is nothing left to roll back.
	if err := w.tx.Rollback().Error; err != nil && w.err == nil && !errors.Is(err, stdsql.ErrTxDone) {
		return fmt.Errorf("sql sink: rollback: %w", err)
	}
	return nil
}
