package checkpoint_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/checkpoint/checkpointtest"
	"github.com/alexsync/alexsync/pkg/clock"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver for the admin connection
)

// testPostgresEnv names the DSN of the PostgreSQL server the tests use.
const testPostgresEnv = "ALEXSYNC_TEST_POSTGRES"

// defaultTestPostgres is tried when testPostgresEnv is unset.
const defaultTestPostgres = "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable"

// pgServer returns the test server's DSN and an admin connection to it.
// An unreachable server skips the test when the DSN is the default, and
// fails it when testPostgresEnv asked for that server.
func pgServer(t *testing.T) (string, *sql.DB) {
	t.Helper()
	dsn, set := os.LookupEnv(testPostgresEnv)
	if !set || dsn == "" {
		dsn, set = defaultTestPostgres, false
	}
	db, err := sql.Open("pgx", dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err != nil {
			_ = db.Close()
		}
	}
	if err != nil {
		if !set {
			t.Skipf("PostgreSQL checkpoint tests skipped: no server at %q (%v); set %s to a DSN to run them",
				checkpoint.RedactDSN(dsn), err, testPostgresEnv)
		}
		t.Fatalf("%s=%q: %v", testPostgresEnv, checkpoint.RedactDSN(dsn), err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return dsn, db
}

// newSchema creates an empty schema for t, dropped with everything in it
// when t ends, and returns its name and dsn with the schema as search_path.
func newSchema(t *testing.T, admin *sql.DB, dsn string) (schema, schemaDSN string) {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema = "alexsync_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema, withSearchPath(dsn, schema)
}

// withSearchPath adds search_path as a runtime parameter of the sessions.
func withSearchPath(dsn, schema string) string {
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&search_path=" + schema
	}
	return dsn + "?search_path=" + schema
}

// pgOpener opens PostgreSQL stores, one fresh schema per test: calls with
// the same t share the schema, as two hosts would.
func pgOpener(dsn string, admin *sql.DB) checkpointtest.Opener {
	var mu sync.Mutex
	dsns := map[*testing.T]string{}
	return func(t *testing.T, opts checkpoint.Options) checkpoint.Store {
		t.Helper()
		mu.Lock()
		d, ok := dsns[t]
		if !ok {
			_, d = newSchema(t, admin, dsn)
			dsns[t] = d
		}
		mu.Unlock()
		return openPostgres(t, d, opts)
	}
}

func openPostgres(t *testing.T, dsn string, opts checkpoint.Options) *checkpoint.PostgresStore {
	t.Helper()
	s, err := checkpoint.OpenPostgres(t.Context(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, checkpoint.ErrClosed) {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func TestPostgresConformance(t *testing.T) {
	dsn, admin := pgServer(t)
	checkpointtest.Run(t, pgOpener(dsn, admin))
}

func TestPostgresSchema(t *testing.T) {
	dsn, admin := pgServer(t)
	schema, sdsn := newSchema(t, admin, dsn)
	s := openPostgres(t, sdsn, checkpoint.Options{BusyTimeout: 1234 * time.Millisecond})
	// String columns are unbounded text, as in SQLite, and the ones that
	// identify or order rows compare byte-wise.
	rows, err := admin.QueryContext(t.Context(), `SELECT table_name, column_name, data_type, COALESCE(collation_name, '')
		FROM information_schema.columns WHERE table_schema = $1 AND table_name <> 'schema_version'
		AND data_type IN ('text', 'character varying', 'character')`, schema)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for rows.Next() {
		var table, column, typ, coll string
		if err := rows.Scan(&table, &column, &typ, &coll); err != nil {
			t.Fatal(err)
		}
		types[table+"."+column] = typ + " " + coll
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"records.key", "records.pipeline", "records.phone", "attempts.key", "runs.pipeline",
		"quota_ledger.key_hash", "quota_ledger.day", "locks.pipeline", "locks.owner", "cursors.name", "meta.pipeline"} {
		if types[col] != "text C" {
			t.Errorf("%s is %q, want text C", col, types[col])
		}
	}
	for col, typ := range types {
		if !strings.HasPrefix(typ, "text ") {
			t.Errorf("%s is %q, want unbounded text", col, typ)
		}
	}
	// SizeBytes counts exactly the checkpoint's tables of this schema.
	var tables int
	if err := admin.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1`, schema).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	var want int64
	if err := admin.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if size, err := s.SizeBytes(t.Context()); err != nil || size != want || size == 0 || tables != len(checkpoint.PostgresTables()) {
		t.Fatalf("SizeBytes = %d, %v; want %d over the schema's %d tables (store knows %d)", size, err, want, tables, len(checkpoint.PostgresTables()))
	}
	settings := []struct{ name, want string }{
		{"lock_timeout", "1234ms"},
		{"application_name", "alexsync"},
		{"search_path", schema},
	}
	for _, st := range settings {
		t.Run(st.name, func(t *testing.T) {
			if got := checkpoint.PostgresSetting(s, st.name); got != st.want {
				t.Fatalf("%s = %q, want %q", st.name, got, st.want)
			}
		})
	}
}

func TestPostgresMigrations(t *testing.T) {
	dsn, admin := pgServer(t)
	schema, sdsn := newSchema(t, admin, dsn)
	versions := func() []int {
		rows, err := admin.QueryContext(t.Context(), "SELECT version FROM "+schema+".schema_version ORDER BY version")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var v []int
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			v = append(v, n)
		}
		return v
	}
	steps := []struct {
		name    string
		prepare func()
		wantErr error
	}{
		{"fresh schema gets the latest schema", nil, nil},
		{"reopening is idempotent", nil, nil},
		{"a newer schema is refused", func() {
			_, err := admin.ExecContext(t.Context(), "INSERT INTO "+schema+".schema_version (version, name, applied_at) VALUES ($1, 'future', now())",
				checkpoint.SchemaVersion+1)
			if err != nil {
				t.Fatal(err)
			}
		}, checkpoint.ErrNewerSchema},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.prepare != nil {
				st.prepare()
			}
			s, err := checkpoint.OpenPostgres(t.Context(), sdsn, checkpoint.Options{})
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("open: %v, want %v", err, st.wantErr)
			}
			if err != nil {
				var se *checkpoint.SchemaError
				if !errors.As(err, &se) || se.Found != checkpoint.SchemaVersion+1 {
					t.Fatalf("error %v is not a SchemaError for version %d", err, checkpoint.SchemaVersion+1)
				}
				return
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if v := versions(); len(v) != checkpoint.SchemaVersion || v[len(v)-1] != checkpoint.SchemaVersion {
				t.Fatalf("schema versions %v, want 1..%d", v, checkpoint.SchemaVersion)
			}
		})
	}
}

// TestPostgresHostsMigrateAtOnce opens one fresh schema from several
// hosts at once: the advisory lock makes them migrate one after the other.
func TestPostgresHostsMigrateAtOnce(t *testing.T) {
	dsn, admin := pgServer(t)
	schema, sdsn := newSchema(t, admin, dsn)
	const hosts = 6
	start := make(chan struct{})
	errs := make([]error, hosts)
	var wg sync.WaitGroup
	for i := range hosts {
		wg.Go(func() {
			<-start
			s, err := checkpoint.OpenPostgres(t.Context(), sdsn, checkpoint.Options{})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("host %d: %v", i, err)
		}
	}
	var n int
	if err := admin.QueryRowContext(t.Context(), "SELECT count(*) FROM "+schema+".schema_version").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != checkpoint.SchemaVersion {
		t.Fatalf("%d schema_version rows, want %d", n, checkpoint.SchemaVersion)
	}
}

// TestPostgresTwoHostsRace races two stores (two connection pools, as two
// hosts) for one pipeline's lock and for one key's daily quota.
func TestPostgresTwoHostsRace(t *testing.T) {
	dsn, admin := pgServer(t)
	schema, sdsn := newSchema(t, admin, dsn)
	clk := clock.NewFake(checkpointtest.Epoch)
	opts := checkpoint.Options{Clock: clk}
	hosts := []checkpoint.Store{openPostgres(t, sdsn, opts), openPostgres(t, sdsn, opts)}
	const perHost = 8

	t.Run("lock", func(t *testing.T) {
		const ttl = time.Minute
		var holder string
		rounds := []struct {
			name    string
			advance time.Duration
			release bool
			winners int
		}{
			{"free lock", 0, false, 1},
			{"held lease", 30 * time.Second, false, 0},
			{"expired lease", 2 * ttl, false, 1},
			{"released lock", 0, true, 1},
		}
		for r, rd := range rounds {
			clk.Advance(rd.advance)
			if rd.release {
				if err := hosts[0].ReleaseLock(t.Context(), "p", holder); err != nil {
					t.Fatal(err)
				}
			}
			var won []string
			var mu sync.Mutex
			raceHosts(hosts, perHost, func(s checkpoint.Store, host, g int) {
				owner := fmt.Sprintf("host-%d:%d:round-%d", host, g, r)
				ok, _, _, err := s.AcquireLock(t.Context(), "p", owner, ttl)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won = append(won, owner)
					mu.Unlock()
				}
			})
			if len(won) != rd.winners {
				t.Fatalf("%s: winners %v, want %d", rd.name, won, rd.winners)
			}
			if len(won) == 1 {
				holder = won[0]
			}
			for i, s := range hosts {
				ok, got, _, err := s.AcquireLock(t.Context(), "p", "host-x:0:check", ttl)
				if err != nil || ok || got != holder {
					t.Fatalf("%s: host %d sees holder %q (ok %v, %v), want %q", rd.name, i, got, ok, err, holder)
				}
			}
		}
	})

	t.Run("quota", func(t *testing.T) {
		const limit = 500
		const keyHash, day = "race-key", "2026-03-01"
		var granted atomic.Int64
		raceHosts(hosts, perHost, func(s checkpoint.Store, _, _ int) {
			for {
				used, ok, err := s.SpendQuota(t.Context(), keyHash, day, 1, limit)
				if err != nil {
					t.Error(err)
					return
				}
				if used > limit {
					t.Errorf("used %d > limit %d", used, limit)
				}
				if !ok {
					return
				}
				granted.Add(1)
			}
		})
		if g := granted.Load(); g != limit {
			t.Fatalf("granted %d spends, want exactly %d", g, limit)
		}
		for i, s := range hosts {
			if used, err := s.QuotaUsed(t.Context(), keyHash, day); err != nil || used != limit {
				t.Fatalf("host %d: QuotaUsed = %d, %v, want %d", i, used, err, limit)
			}
		}
		var ledger int
		err := admin.QueryRowContext(t.Context(), "SELECT used FROM "+schema+".quota_ledger WHERE key_hash = $1 AND day = $2",
			keyHash, day).Scan(&ledger)
		if err != nil || ledger != limit {
			t.Fatalf("ledger row = %d, %v, want %d", ledger, err, limit)
		}
	})
}

// raceHosts runs fn from perHost goroutines on each host, all released at
// once, and waits for them.
func raceHosts(hosts []checkpoint.Store, perHost int, fn func(s checkpoint.Store, host, g int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for h, s := range hosts {
		for g := range perHost {
			wg.Go(func() {
				<-start
				fn(s, h, g)
			})
		}
	}
	close(start)
	wg.Wait()
}

func TestPostgresLocationHidesPassword(t *testing.T) {
	dsn, admin := pgServer(t)
	_, sdsn := newSchema(t, admin, dsn)
	// The default server trusts local connections and ignores a password.
	if os.Getenv(testPostgresEnv) == "" {
		sdsn += " password=s3cret-pw"
	}
	s := openPostgres(t, sdsn, checkpoint.Options{})
	if loc := s.Location(); strings.Contains(loc, "s3cret") || loc != checkpoint.RedactDSN(sdsn) {
		t.Fatalf("Location = %q, want %q", loc, checkpoint.RedactDSN(sdsn))
	}
}
