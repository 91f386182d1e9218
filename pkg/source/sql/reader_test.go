package sql

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
)

func TestOpenErrors(t *testing.T) {
	sqliteDSN := filepath.Join(t.TempDir(), "errors.db")
	tests := []struct {
		name    string
		opts    Options
		want    []string // substrings of the error
		notWant []string // never in the error
	}{
		{"unknown driver lists the valid ones", Options{Driver: "oracle", DSN: "x", Query: "SELECT 1"},
			[]string{`"oracle"`, "sqlite, postgres, mysql"}, nil},
		{"empty DSN", Options{Driver: "sqlite", Query: "SELECT 1"}, []string{"DSN is empty"}, nil},
		{"empty query", Options{Driver: "sqlite", DSN: sqliteDSN, Query: " \n"}, []string{"query is empty"}, nil},
		{"cursor column without @cursor", Options{Driver: "sqlite", DSN: sqliteDSN, Query: "SELECT 1 AS v", CursorColumn: "v"},
			[]string{`cursor column "v"`, "@cursor"}, nil},
		{"cursor column not in the result", Options{Driver: "sqlite", DSN: sqliteDSN,
			Query: "SELECT 1 AS v WHERE COALESCE(1 > @cursor, TRUE)", CursorColumn: "updated_at"},
			[]string{`"updated_at"`, "not among", `["v"]`}, nil},
		{"cursor without cursor column", Options{Driver: "sqlite", DSN: sqliteDSN, Query: "SELECT 1", Cursor: "5"},
			[]string{"no cursor column"}, nil},
		{"cursor parameter is reserved", Options{Driver: "sqlite", DSN: sqliteDSN, Query: "SELECT @cursor AS v",
			CursorColumn: "v", Params: map[string]any{"cursor": 1}}, []string{"reserved"}, nil},
		{"parameter used but not given", Options{Driver: "sqlite", DSN: sqliteDSN, Query: "SELECT 1 WHERE 1 > @since"},
			[]string{"@since", `"since"`}, nil},
		{"? mixed with named parameters", Options{Driver: "sqlite", DSN: sqliteDSN, Query: "SELECT ? WHERE 1 > @a",
			Params: map[string]any{"a": 0}}, []string{`"?"`}, nil},
		{"query error names its first line", Options{Driver: "sqlite", DSN: sqliteDSN,
			Query: "\n  SELECT nope\n  FROM nowhere_at_all"},
			[]string{`query "SELECT nope"`, "sqlite at " + sqliteDSN}, []string{"FROM nowhere"}},
		{"postgres unreachable: host, no password", Options{Driver: "postgres", Query: "SELECT 1",
			DSN: "host=127.0.0.1 port=1 user=bob password=s3cretpw dbname=x sslmode=disable connect_timeout=2"},
			[]string{"postgres at 127.0.0.1:1"}, []string{"s3cretpw"}},
		{"postgres URL unreachable: host, no password", Options{Driver: "postgres", Query: "SELECT 1",
			DSN: "postgres://bob:s3cretpw@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"},
			[]string{"postgres at 127.0.0.1:1"}, []string{"s3cretpw"}},
		{"mysql unreachable: host, no password", Options{Driver: "mysql", Query: "SELECT 1",
			DSN: "bob:s3cretpw@tcp(127.0.0.1:1)/x?timeout=2s"},
			[]string{"mysql at 127.0.0.1:1"}, []string{"s3cretpw"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(context.Background(), tc.opts)
			if err == nil {
				_ = r.Close()
				t.Fatal("Open succeeded, want an error")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains %q", err, s)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	err := describe("mysql", "bob:s3cretpw@tcp(db:3306)/x").redact(errors.New("dial bob:s3cretpw@tcp(db:3306)/x failed, s3cretpw"))
	if strings.Contains(err.Error(), "s3cretpw") {
		t.Fatalf("redacted error %q still has the password", err)
	}
}

// TestCancel stops a long read by cancelling the context given to Open.
func TestCancel(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r, err := Open(ctx, Options{Driver: b.driver, DSN: b.dsn,
			Query: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT x FROM c"})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if row, err := r.Next(); err != nil || row.Values[0] != "1" {
			t.Fatalf("first Next = %v, %v", row, err)
		}
		cancel()
		for range 3 { // and it stays stopped
			if _, err := r.Next(); !errors.Is(err, context.Canceled) {
				t.Fatalf("Next after cancel = %v, want context.Canceled", err)
			}
		}
		if err := r.Close(); err != nil {
			t.Fatalf("Close after cancel = %v", err)
		}
	})
}

// fakeRows fails to scan the rows listed in bad, then ends with end.
type fakeRows struct {
	n, rows int
	bad     map[int]bool
	end     error
}

func (f *fakeRows) Next() bool { f.n++; return f.n <= f.rows }
func (f *fakeRows) Err() error { return f.end }
func (f *fakeRows) Close() error {
	return nil
}

func (f *fakeRows) Scan(dest ...any) error {
	if f.bad[f.n] {
		return errors.New("converting driver.Value type")
	}
	*dest[0].(*any) = int64(f.n)
	return nil
}

func fakeReader(rows *fakeRows) *Reader {
	r := &Reader{ctx: context.Background(), rows: rows, cursorIdx: -1, query: "SELECT x"}
	r.header, r.kinds, r.vals = []string{"x"}, []kind{kindInt}, make([]any, 1)
	r.dest = []any{&r.vals[0]}
	return r
}

func TestNextErrors(t *testing.T) {
	t.Run("scan error is a RowError and the read goes on", func(t *testing.T) {
		r := fakeReader(&fakeRows{rows: 3, bad: map[int]bool{2: true}})
		var lines []int
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if re, ok := record.AsRowError(err); ok {
				if re.Line != 2 || re.Code != "scan" {
					t.Errorf("RowError = %+v, want line 2, code scan", re)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, row.Line)
		}
		if len(lines) != 2 || lines[0] != 1 || lines[1] != 3 {
			t.Fatalf("lines = %v, want [1 3]", lines)
		}
	})
	t.Run("server error mid-read is fatal and sticky", func(t *testing.T) {
		boom := errors.New("connection reset")
		r := fakeReader(&fakeRows{rows: 1, end: boom})
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			_, err := r.Next()
			if !errors.Is(err, boom) || !strings.Contains(err.Error(), "after row 1") {
				t.Fatalf("Next = %v, want %v after row 1", err, boom)
			}
			if _, ok := record.AsRowError(err); ok {
				t.Fatal("a server error must not be a RowError")
			}
		}
	})
}
