package sql_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/alexsync/alexsync/pkg/sink"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
	sinksql "github.com/alexsync/alexsync/pkg/sink/sql"
)

// backend is one database the tests run against.
type backend struct {
	name, driver string
	env          string // variable holding the DSN (CI sets it); "" for SQLite
	defaultDSN   string
	quote        string
}

var backends = []backend{
	{name: "sqlite", driver: "sqlite", quote: `"`},
	{name: "postgres", driver: "postgres", env: "ALEXSYNC_TEST_POSTGRES",
		defaultDSN: "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable", quote: `"`},
	{name: "mysql", driver: "mysql", env: "ALEXSYNC_TEST_MYSQL",
		defaultDSN: "root@tcp(127.0.0.1:3306)/test?parseTime=true", quote: "`"},
}

var probes sync.Map // driver -> func() error

// server returns the DSN of b's server: with b.env unset and the server
// unreachable the test is skipped; with b.env set, unreachable fails it.
func (b backend) server(t testing.TB) string {
	t.Helper()
	dsn, fromEnv := os.LookupEnv(b.env)
	if !fromEnv {
		dsn = b.defaultDSN
	}
	probe, _ := probes.LoadOrStore(b.driver, sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		db, err := connect(b.driver, dsn)
		if err != nil {
			return err
		}
		sqlDB, _ := db.DB()
		defer sqlDB.Close()
		return sqlDB.PingContext(ctx)
	}))
	if err := probe.(func() error)(); err != nil {
		if fromEnv {
			t.Fatalf("%s not reachable with $%s: %v", b.name, b.env, err)
		}
		t.Skipf("%s not reachable at %q (%v); set %s to a DSN to run these tests", b.name, dsn, err, b.env)
	}
	return dsn
}

func connect(driver, dsn string) (*gorm.DB, error) {
	var d gorm.Dialector
	switch driver {
	case "sqlite":
		d = sqlite.Open(dsn)
	case "postgres":
		d = postgres.Open(dsn)
	default:
		d = mysql.Open(dsn)
	}
	return gorm.Open(d, &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
}

// target is where one test's output lives: a DSN and a table prefix.
type target struct {
	b      backend
	dsn    string
	prefix string
}

var targets sync.Map // dir -> *target

// targetFor returns the target of dir, the same for every call with dir:
// SQLite gets a file in dir, a server a random table prefix whose tables
// are dropped when the test ends.
func (b backend) targetFor(t testing.TB, dir string) *target {
	t.Helper()
	if v, ok := targets.Load(b.name + "|" + dir); ok {
		return v.(*target)
	}
	tg := &target{b: b, prefix: "sinktest_" + randomHex(t) + "_"}
	if b.env == "" {
		tg.dsn = filepath.Join(dir, "sink.db")
	} else {
		tg.dsn = b.server(t)
		t.Cleanup(func() { tg.drop(t) })
	}
	targets.Store(b.name+"|"+dir, tg)
	return tg
}

func randomHex(t testing.TB) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func (tg *target) open(t testing.TB) sink.Writer {
	t.Helper()
	w, err := sinksql.OpenWith(context.Background(), tg.b.driver, tg.dsn, sinksql.Options{TablePrefix: tg.prefix, BatchRows: 7})
	if err != nil {
		t.Fatal(err)
	}
	// A test that fails mid-run must not leave its transaction open: the
	// table's drop at cleanup would wait on its locks for ever.
	t.Cleanup(func() { _ = w.Abort() })
	return w
}

func (tg *target) db(t testing.TB) *gorm.DB {
	t.Helper()
	db, err := connect(tg.b.driver, tg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

func (tg *target) q(id string) string {
	return tg.b.quote + strings.ReplaceAll(id, tg.b.quote, tg.b.quote+tg.b.quote) + tg.b.quote
}

func (tg *target) drop(t testing.TB) {
	db, err := connect(tg.b.driver, tg.dsn)
	if err != nil {
		t.Errorf("drop tables: %v", err)
		return
	}
	defer func() { sqlDB, _ := db.DB(); sqlDB.Close() }()
	for _, table := range append(sinktest.Tables, extraTables...) {
		if err := db.Exec("DROP TABLE IF EXISTS " + tg.q(tg.prefix+table.Name)).Error; err != nil {
			t.Errorf("drop %s: %v", table.Name, err)
		}
	}
}

// extraTables are tables tests other than the suite create.
var extraTables = []sink.Table{{Name: "migrated"}}

// read returns table's rows in canonical form, ordered by key and then by
// the other columns (the suite writes a key's rows in that order).
func (tg *target) read(t testing.TB, table sink.Table) [][]string {
	t.Helper()
	db := tg.db(t)
	name := tg.prefix + table.Name
	if !db.Migrator().HasTable(name) {
		return nil
	}
	cols := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		cols[i] = tg.q(c.Name)
	}
	order := append([]string{tg.q(table.Key)}, cols...)
	rows, err := db.Raw(fmt.Sprintf("SELECT %s FROM %s ORDER BY %s", strings.Join(cols, ", "), tg.q(name), strings.Join(order, ", "))).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		out = append(out, scanRow(t, rows, table))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
