// Package sql streams rows from a SQL query (SQLite, PostgreSQL or
// MySQL/MariaDB, through gorm) as a record.Reader, one row at a time, with
// every value converted to text, and optionally tracks a cursor column so
// that a nightly run reads only the rows changed since the last one.
//
// Values read as follows: NULL is "", bytes are their text, integers are
// exact, floats are in their shortest decimal form (strconv 'f', -1),
// booleans are "true"/"false" (MySQL has no boolean type: its BOOLEAN is
// TINYINT and reads "1"/"0"), DECIMAL/NUMERIC keep the server's digits,
// times are RFC 3339 in UTC and DATE columns are 2006-01-02. Row.Line is
// the 1-based ordinal of the row in the result set; there is no header
// line, so the first row is line 1, and skipped blank rows (every value
// "") still count.
//
// # Incremental reads
//
// With Options.CursorColumn set, the reader passes Options.Cursor to the
// query as the named parameter @cursor, and MaxCursor reports the largest
// value of that column read. The caller stores MaxCursor after a run
// succeeded and hands it back as Options.Cursor next time. The first run
// (Cursor "") passes SQL NULL, so the query must let NULL through; one
// form that works on all three databases is
//
//	SELECT id, name, updated_at FROM contacts
//	WHERE COALESCE(updated_at >= @cursor, TRUE)
//	ORDER BY updated_at
//
// (that form also reads rows whose cursor column is NULL on every run).
// Compare with ">=", not ">": a row written later with the same value as
// the stored cursor (a column of one-second precision makes that common)
// would be skipped for ever; the rows at the cursor read again cost
// nothing, since an unchanged row is no request.
// Write "@cursor IS NULL" only where the server can type the parameter:
// PostgreSQL cannot, and gorm binds each @cursor as its own parameter.
// See cursorValue for how a stored cursor is typed.
package sql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/alexsync/alexsync/pkg/record"
	"gorm.io/gorm"
)

// Options says what to read. Library code never reads the environment:
// the caller resolves the DSN (from dsn or dsn_env in the config).
type Options struct {
	Driver string // "sqlite", "postgres" or "mysql" (MariaDB too); see Drivers
	// DSN is the driver's connection string. It is never logged, and
	// errors that might contain it have it and its password replaced
	// by "xxxxx".
	DSN string
	// Query is run once and streamed. Named parameters are written
	// @name and end at a space, comma, parenthesis, quote, semicolon or
	// line break (gorm's rule): write CAST(@since AS DATE), not
	// @since::date. Every @name used must be in Params (or be @cursor);
	// "?" placeholders cannot be mixed with named ones.
	Query  string
	Params map[string]any // values bound to @name by gorm, never spliced into the SQL
	// CursorColumn, when set, names a result column (compared as header
	// names are: trimmed, case-insensitive) whose largest value MaxCursor
	// reports. The query must then use @cursor, and Params must not
	// define "cursor".
	CursorColumn string
	// Cursor is the MaxCursor of the last successful run, "" the first
	// time. It is passed as @cursor, typed by cursorValue.
	Cursor string
}

// Reader streams the rows of one query. It implements record.Reader and
// is used from one goroutine. It holds its own connection pool, which
// Close releases.
type Reader struct {
	ctx    context.Context
	db     *stdsql.DB
	rows   rowSource
	where  target
	query  string // the query's first line, for errors
	header []string
	kinds  []kind
	vals   []any // scan targets, reused for every row
	dest   []any // pointers into vals

	ordinal   int
	cursorIdx int // -1 without a cursor column
	maxVal    any
	maxText   string

	err    error // sticky: io.EOF or the fatal error that ended the read
	closed bool
}

// rowSource is the part of *sql.Rows the reader uses.
type rowSource interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

var errClosed = errors.New("sql source: reader is closed")

// Open validates opts, connects, runs the query and returns a Reader
// positioned before the first row. ctx bounds the connection and the
// whole read: cancelling it makes Next return an error wrapping
// ctx.Err(). Errors name the driver and host, never the password; a
// query error names the query's first line.
func Open(ctx context.Context, opts Options) (*Reader, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	params, err := buildParams(opts)
	if err != nil {
		return nil, err
	}
	where := describe(opts.Driver, opts.DSN)
	db, sqlDB, err := connect(ctx, opts.Driver, opts.DSN, where)
	if err != nil {
		return nil, err
	}
	r := &Reader{ctx: ctx, db: sqlDB, where: where, query: firstLine(opts.Query), cursorIdx: -1}
	if err := r.start(db.WithContext(ctx), opts, params); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return r, nil
}

func (o Options) validate() error {
	if !slices.Contains(Drivers, o.Driver) {
		return fmt.Errorf("sql source: unknown driver %q: want one of %s", o.Driver, strings.Join(Drivers, ", "))
	}
	if strings.TrimSpace(o.DSN) == "" {
		return fmt.Errorf("sql source: %s: the DSN is empty", o.Driver)
	}
	if strings.TrimSpace(o.Query) == "" {
		return errors.New("sql source: the query is empty")
	}
	return nil
}

// start runs the query and reads the result's columns.
func (r *Reader) start(db *gorm.DB, opts Options, params map[string]any) error {
	tx := db.Raw(opts.Query)
	if params != nil {
		tx = db.Raw(opts.Query, params)
	}
	rows, err := tx.Rows()
	if err != nil {
		return fmt.Errorf("sql source: query %q on %s: %w", r.query, r.where.desc, r.where.redact(err))
	}
	cols, err := rows.ColumnTypes()
	if err != nil {
		_ = rows.Close()
		return fmt.Errorf("sql source: query %q: columns: %w", r.query, r.where.redact(err))
	}
	r.rows = rows
	r.setColumns(cols)
	if opts.CursorColumn == "" {
		return nil
	}
	for i, h := range r.header {
		if record.FoldName(h) == record.FoldName(opts.CursorColumn) {
			r.cursorIdx = i
			break
		}
	}
	if r.cursorIdx < 0 {
		_ = rows.Close()
		return fmt.Errorf("sql source: cursor column %q is not among the query's columns %q", opts.CursorColumn, r.header)
	}
	if opts.Cursor != "" {
		r.maxVal, r.maxText = cursorValue(opts.Cursor), opts.Cursor
	}
	return nil
}

func (r *Reader) setColumns(cols []*stdsql.ColumnType) {
	n := len(cols)
	r.header, r.kinds = make([]string, n), make([]kind, n)
	r.vals, r.dest = make([]any, n), make([]any, n)
	for i, c := range cols {
		r.header[i] = strings.TrimSpace(strings.TrimPrefix(c.Name(), "\ufeff"))
		r.kinds[i] = columnKind(c.DatabaseTypeName())
		r.dest[i] = &r.vals[i]
	}
}

// Header returns the result's column names, as the query named them.
func (r *Reader) Header() []string { return r.header }

// Next returns the next non-blank row; io.EOF after the last one (and on
// every call after that); a *record.RowError, with the row's ordinal, for
// a row whose values cannot be scanned; or a fatal error when the server
// fails, ctx is done or the reader is closed.
func (r *Reader) Next() (record.Row, error) {
	if r.closed {
		return record.Row{}, errClosed
	}
	for r.err == nil {
		if err := r.ctx.Err(); err != nil {
			r.end(fmt.Errorf("sql source: read %q stopped: %w", r.query, err))
			break
		}
		if !r.rows.Next() {
			r.end(r.rows.Err())
			break
		}
		r.ordinal++
		if err := r.rows.Scan(r.dest...); err != nil {
			return record.Row{}, &record.RowError{Line: r.ordinal, Code: "scan", Err: r.where.redact(err)}
		}
		if values, blank := r.convert(); !blank {
			return record.Row{Line: r.ordinal, Values: values}, nil
		}
	}
	return record.Row{}, r.err
}

// end closes the result set and records why the read ended.
func (r *Reader) end(err error) {
	_ = r.rows.Close()
	switch ctxErr := r.ctx.Err(); {
	case err == nil:
		r.err = io.EOF
	case ctxErr != nil && errors.Is(err, ctxErr):
		r.err = fmt.Errorf("sql source: read %q stopped: %w", r.query, ctxErr)
	case ctxErr != nil:
		// The driver's own error for a cancelled query varies; the
		// context says why it happened.
		r.err = fmt.Errorf("sql source: read %q stopped: %w (%w)", r.query, ctxErr, r.where.redact(err))
	default:
		r.err = fmt.Errorf("sql source: read %q after row %d: %w", r.query, r.ordinal, r.where.redact(err))
	}
}

// convert formats the scanned row and tracks the cursor column.
func (r *Reader) convert() (values []string, blank bool) {
	values = make([]string, len(r.vals))
	blank = true
	for i, raw := range r.vals {
		v := normalize(raw, r.kinds[i])
		values[i] = format(v, r.kinds[i])
		blank = blank && values[i] == ""
		if i == r.cursorIdx && v != nil {
			r.track(v, values[i])
		}
	}
	return values, blank
}

func (r *Reader) track(v any, text string) {
	if r.maxVal == nil || compare(v, r.maxVal, r.kinds[r.cursorIdx]) > 0 {
		r.maxVal, r.maxText = v, text
	}
}

// MaxCursor returns the largest cursor column value read so far, and
// never less than Options.Cursor: RFC 3339 in UTC for times, 2006-01-02
// for dates, decimal for numbers, the text itself otherwise. Text is
// compared byte by byte, which may differ from the server's collation.
// It is "" without a cursor column or before any value was read on a
// first run. Store it only after the run succeeded.
func (r *Reader) MaxCursor() string { return r.maxText }

// Close releases the result set and the connection pool. It is safe to
// call more than once; later calls return nil.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	errRows := r.rows.Close()
	errDB := r.db.Close()
	if err := errors.Join(errRows, errDB); err != nil {
		return fmt.Errorf("sql source: close %s: %w", r.where.desc, r.where.redact(err))
	}
	return nil
}

// firstLine returns the query's first non-blank line, for error messages.
func firstLine(query string) string {
	for line := range strings.Lines(query) {
		if line = strings.TrimSpace(line); line != "" {
			if rs := []rune(line); len(rs) > 120 {
				line = string(rs[:117]) + "..."
			}
			return line
		}
	}
	return ""
}
