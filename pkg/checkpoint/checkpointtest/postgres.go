package checkpointtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver for the admin connection

	"github.com/alexsync/alexsync/pkg/checkpoint"
)

// PostgresURL returns a postgres:// URL of the test server with a
// fresh schema (dropped when t ends) as search_path. The server is
// $ALEXSYNC_TEST_POSTGRES or the local default: an unreachable default
// skips the test, an unreachable $ALEXSYNC_TEST_POSTGRES fails it.
func PostgresURL(t *testing.T, scheme string) string {
	t.Helper()
	dsn, set := os.LookupEnv("ALEXSYNC_TEST_POSTGRES")
	if !set || dsn == "" {
		dsn, set = "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable", false
	}
	admin, err := sql.Open("pgx", dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if !set {
			t.Skipf("PostgreSQL checkpoint tests skipped: no server at %q (%v); set ALEXSYNC_TEST_POSTGRES to a DSN to run them",
				checkpoint.RedactDSN(dsn), err)
		}
		t.Fatalf("ALEXSYNC_TEST_POSTGRES=%q: %v", checkpoint.RedactDSN(dsn), err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "alexsync_test_" + hex.EncodeToString(b)
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
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u := url.URL{Scheme: scheme, Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: "/" + cfg.Database,
		RawQuery: url.Values{"search_path": {schema}, "sslmode": {"disable"}}.Encode()}
	u.User = url.User(cfg.User)
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	}
	return u.String()
}
