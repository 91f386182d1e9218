package sql

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/record"
)

// server is a database the tests use when it is reachable.
type server struct {
	name  string // for messages
	env   string // the variable CI sets to the DSN
	dsn   string // tried when env is unset
	probe func() error
}

var (
	postgresServer = &server{
		name: "PostgreSQL", env: "ALEXSYNC_TEST_POSTGRES",
		dsn: "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable",
	}
	mysqlServer = &server{
		name: "MariaDB/MySQL", env: "ALEXSYNC_TEST_MYSQL",
		dsn: "root@tcp(127.0.0.1:3306)/test?parseTime=true",
	}
)

// backend is one database the tests run against, with its dialect.
type backend struct {
	name, driver string
	server       *server // nil for SQLite, which is embedded
	dsn          string  // set per test by eachBackend
	// column types
	integer, float, boolean, text, blob, timestamp, date string
}

var backends = []backend{
	{name: "sqlite", driver: "sqlite",
		integer: "INTEGER", float: "REAL", boolean: "BOOLEAN", text: "TEXT", blob: "BLOB", timestamp: "DATETIME", date: "DATE"},
	{name: "postgres", driver: "postgres", server: postgresServer,
		integer: "BIGINT", float: "DOUBLE PRECISION", boolean: "BOOLEAN", text: "TEXT", blob: "BYTEA", timestamp: "TIMESTAMPTZ", date: "DATE"},
	{name: "mysql", driver: "mysql", server: mysqlServer,
		integer: "BIGINT", float: "DOUBLE", boolean: "BOOLEAN", text: "TEXT", blob: "BLOB", timestamp: "DATETIME", date: "DATE"},
}

// dsnFor returns the server's DSN, or skips the test when the server is
// unreachable and its variable unset; with the variable set (as in CI),
// unreachable is a failure.
func (s *server) dsnFor(t testing.TB) string {
	dsn, fromEnv := os.LookupEnv(s.env)
	if !fromEnv {
		dsn = s.dsn
	}
	if err := s.reach(dsn); err != nil {
		if fromEnv {
			t.Fatalf("%s not reachable with $%s: %v", s.name, s.env, err)
		}
		t.Skipf("%s not reachable at %s (%v); set %s to run", s.name, s.dsn, err, s.env)
	}
	return dsn
}

var probeMu sync.Mutex

func (s *server) reach(dsn string) error {
	probeMu.Lock()
	defer probeMu.Unlock()
	if s.probe == nil {
		s.probe = sync.OnceValue(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			driver := "postgres"
			if s == mysqlServer {
				driver = "mysql"
			}
			_, db, err := connect(ctx, driver, dsn, describe(driver, dsn))
			if err == nil {
				err = db.Close()
			}
			return err
		})
	}
	return s.probe()
}

// eachBackend runs fn as a subtest per backend, with b.dsn set.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			b.dsn = b.dsnFor(t)
			fn(t, b)
		})
	}
}

func (b backend) dsnFor(t testing.TB) string {
	if b.server == nil {
		return filepath.Join(t.TempDir(), "test.db")
	}
	return b.server.dsnFor(t)
}

func (b backend) quote(id string) string {
	if b.driver == "mysql" {
		return "`" + strings.ReplaceAll(id, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(id, `"`, `""`) + `"`
}

func (b backend) placeholder(i int) string {
	if b.driver == "postgres" {
		return fmt.Sprintf("$%d", i+1)
	}
	return "?"
}

// admin opens a plain connection for setting tables up.
func (b backend) admin(t testing.TB) *stdsql.DB {
	t.Helper()
	_, db, err := connect(context.Background(), b.driver, b.dsn, describe(b.driver, b.dsn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// newTable creates a uniquely named table with the given column
// definitions and drops it when the test ends.
func (b backend) newTable(t testing.TB, db *stdsql.DB, columns ...string) string {
	t.Helper()
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	name := "alexsync_test_" + hex.EncodeToString(suffix[:])
	ddl := fmt.Sprintf("CREATE TABLE %s (%s)", b.quote(name), strings.Join(columns, ", "))
	if b.driver == "mysql" {
		ddl += " DEFAULT CHARSET=utf8mb4"
	}
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("%s: %v", ddl, err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP TABLE " + b.quote(name)); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return b.quote(name)
}

// insert adds rows to table; values are bound, not spliced.
func (b backend) insert(t testing.TB, db *stdsql.DB, table string, columns []string, rows ...[]any) {
	t.Helper()
	quoted, marks := make([]string, len(columns)), make([]string, len(columns))
	for i, c := range columns {
		quoted[i], marks[i] = b.quote(c), b.placeholder(i)
	}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(quoted, ", "), strings.Join(marks, ", "))
	for _, r := range rows {
		if _, err := db.Exec(stmt, r...); err != nil {
			t.Fatalf("%s %v: %v", stmt, r, err)
		}
	}
}

// open opens a Reader and closes it when the test ends.
func open(t testing.TB, opts Options) *Reader {
	t.Helper()
	r, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// readAll reads r to the end, failing on any error.
func readAll(t testing.TB, r record.Reader) []record.Row {
	t.Helper()
	var rows []record.Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
	}
}

// column returns the values of column i.
func column(rows []record.Row, i int) []string {
	out := make([]string, len(rows))
	for j, r := range rows {
		out[j] = r.Values[i]
	}
	return out
}
