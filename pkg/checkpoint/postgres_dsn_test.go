package checkpoint_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/jackc/pgx/v5/pgconn"
)

// These PostgreSQL store tests need no server.

func TestRedactDSN(t *testing.T) {
	cases := []struct{ name, dsn, want string }{
		{"url", "postgres://alex:s3cret@db.example:5432/sync?sslmode=require",
			"postgres://alex:xxxxx@db.example:5432/sync?sslmode=require"},
		{"postgresql url", "postgresql://alex:s3cret@db/sync", "postgresql://alex:xxxxx@db/sync"},
		{"url password with @ and /", "postgres://alex:p@ss/w@db/sync", "postgres://alex:xxxxx@db/sync"},
		{"url without password", "postgres://alex@db/sync", "postgres://alex@db/sync"},
		{"url without user", "postgres://db:5432/sync", "postgres://db:5432/sync"},
		{"url password parameter", "postgres://db/sync?user=alex&password=s3cret&sslmode=disable",
			"postgres://db/sync?user=alex&password=xxxxx&sslmode=disable"},
		{"key=value", "host=db user=alex password=s3cret dbname=sync", "host=db user=alex password=xxxxx dbname=sync"},
		{"key=value first", "password=s3cret host=db", "password=xxxxx host=db"},
		{"key = value", "host=db password = s3cret dbname=sync", "host=db password = xxxxx dbname=sync"},
		{"key=value quoted", `host=db password='s3 c\'ret' dbname=sync`, "host=db password=xxxxx dbname=sync"},
		{"key=value without password", "host=db user=alex", "host=db user=alex"},
		{"passfile is not a password", "host=db passfile=/home/a/.pgpass", "host=db passfile=/home/a/.pgpass"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkpoint.RedactDSN(tc.dsn); got != tc.want {
				t.Fatalf("RedactDSN(%q) = %q, want %q", tc.dsn, got, tc.want)
			}
		})
	}
}

// TestOpenPostgresErrorsHidePassword needs no server: nothing listens on
// port 1, and a malformed DSN fails before connecting.
func TestOpenPostgresErrorsHidePassword(t *testing.T) {
	cases := []struct {
		name    string
		dsn     string
		invalid bool
	}{
		{"url, unreachable", "postgres://alex:s3cret-pw@127.0.0.1:1/sync?sslmode=disable&connect_timeout=5", false},
		{"key=value, unreachable", "host=127.0.0.1 port=1 user=alex password=s3cret-pw dbname=sync sslmode=disable connect_timeout=5", false},
		{"url, bad port", "postgres://alex:s3cret-pw@127.0.0.1:notaport/sync", true},
		{"url, bad sslmode", "postgresql://alex:s3cret-pw@127.0.0.1/sync?sslmode=s3cret-pw", true},
		{"key=value, bad port", "host=127.0.0.1 port=nope password='s3cret-pw'", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := checkpoint.OpenPostgres(t.Context(), tc.dsn, checkpoint.Options{})
			if err == nil {
				_ = s.Close()
				t.Fatal("open succeeded")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error shows the password: %v", err)
			}
			if errors.Is(err, checkpoint.ErrInvalid) != tc.invalid {
				t.Fatalf("errors.Is(%v, ErrInvalid) = %v, want %v", err, !tc.invalid, tc.invalid)
			}
		})
	}
}

func TestPostgresBusyErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"serialization failure", &pgconn.PgError{Code: "40001"}, true},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, true},
		{"lock timeout", fmt.Errorf("batch: %w", &pgconn.PgError{Code: "55P03"}), true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"not a database error", errors.New("40001"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkpoint.PgBusy(tc.err); got != tc.want {
				t.Fatalf("busy(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
