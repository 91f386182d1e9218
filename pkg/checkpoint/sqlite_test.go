package checkpoint_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/checkpoint/checkpointtest"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// sqliteOpener opens SQLite stores, one file per test: calls with the same
// t share the file, as two processes would.
func sqliteOpener() checkpointtest.Opener {
	var mu sync.Mutex
	paths := map[*testing.T]string{}
	return func(t *testing.T, opts checkpoint.Options) checkpoint.Store {
		t.Helper()
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "state", "checkpoint.db")
			paths[t] = path
		}
		mu.Unlock()
		return openAt(t, path, opts)
	}
}

func openAt(t *testing.T, path string, opts checkpoint.Options) *checkpoint.SQLiteStore {
	t.Helper()
	s, err := checkpoint.OpenSQLite(t.Context(), path, opts)
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

func TestSQLiteConformance(t *testing.T) {
	checkpointtest.Run(t, sqliteOpener())
}

func TestSQLiteFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "state.db")
	s := openAt(t, path, checkpoint.Options{})
	if err := s.Upsert(t.Context(), checkpoint.Record{Pipeline: "p", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		path string
		want os.FileMode
	}{
		{"parent dir", dir, 0o700 | os.ModeDir},
		{"grandparent dir", filepath.Dir(dir), 0o700 | os.ModeDir},
		{"database", path, 0o600},
		{"wal", path + "-wal", 0o600},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi, err := os.Stat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != tc.want {
				t.Fatalf("mode %v, want %v", fi.Mode(), tc.want)
			}
		})
	}
	if s.Location() != path {
		t.Fatalf("Location = %q, want %q", s.Location(), path)
	}
}

// rawDB opens the file behind the store's back, as an inspector would.
func rawDB(t *testing.T, path string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(sqlite.Open(path), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { _ = sqlDB.Close() })
	return db
}

func TestSQLitePragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openAt(t, path, checkpoint.Options{BusyTimeout: 1234 * time.Millisecond})
	cases := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "1"}, // NORMAL
		{"busy_timeout", "1234"},
	}
	for _, tc := range cases {
		t.Run(tc.pragma, func(t *testing.T) {
			if got := checkpoint.Pragma(s, tc.pragma); got != tc.want {
				t.Fatalf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
			}
		})
	}
	// WAL is a property of the file: a foreign connection sees it too.
	var mode string
	if err := rawDB(t, path).Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode = %q, want wal", mode)
	}
}

func TestSQLiteMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	versions := func() []int {
		var v []int
		if err := rawDB(t, path).Table("schema_version").Order("version").Pluck("version", &v).Error; err != nil {
			t.Fatal(err)
		}
		return v
	}
	steps := []struct {
		name    string
		prepare func()
		wantErr error
	}{
		{"fresh database gets the latest schema", nil, nil},
		{"reopening is idempotent", nil, nil},
		{"a newer schema is refused", func() {
			err := rawDB(t, path).Exec("INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future', CURRENT_TIMESTAMP)",
				checkpoint.SchemaVersion+1).Error
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
			s, err := checkpoint.OpenSQLite(t.Context(), path, checkpoint.Options{})
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("open: %v, want %v", err, st.wantErr)
			}
			if err != nil {
				var se *checkpoint.SchemaError
				want := fmt.Sprintf("checkpoint was written by a newer alexsync (schema %d); upgrade", checkpoint.SchemaVersion+1)
				if !errors.As(err, &se) || se.Found != checkpoint.SchemaVersion+1 || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q does not say %q", err, want)
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

func TestSQLiteWriteErrorIsSticky(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "state.db"), checkpoint.Options{})
	ctx := t.Context()
	rec := checkpoint.Record{Pipeline: "p", Key: "k"}
	if err := s.MarkInFlight(ctx, rec); err != nil {
		t.Fatal(err)
	}
	checkpoint.FailNextCommit(s, syscall.ENOSPC)
	first := s.Confirm(ctx, rec, checkpoint.Attempt{Action: checkpoint.ActionCreate})
	if first != nil {
		t.Fatalf("queuing before the failure: %v", first)
	}
	calls := []struct {
		name string
		call func() error
	}{
		{"Flush", func() error { return s.Flush(ctx) }},
		{"MarkInFlight", func() error { return s.MarkInFlight(ctx, rec) }},
		{"Confirm", func() error { return s.Confirm(ctx, rec, checkpoint.Attempt{}) }},
		{"SpendQuota", func() error { _, _, err := s.SpendQuota(ctx, "h", "d", 1, 5); return err }},
		{"Err", s.Err},
		{"Close", s.Close},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var we *checkpoint.WriteError
			if !errors.Is(err, checkpoint.ErrWrite) || !errors.Is(err, syscall.ENOSPC) || !errors.As(err, &we) {
				t.Fatalf("err = %v, want a sticky WriteError wrapping ENOSPC", err)
			}
		})
	}
	r, ok, _ := reopen(t, s.Location()).Get(ctx, "p", "k")
	if !ok || r.State != checkpoint.StateInFlight {
		t.Fatalf("the failed batch was partly committed: %+v", r)
	}
}

func reopen(t *testing.T, path string) *checkpoint.SQLiteStore {
	return openAt(t, path, checkpoint.Options{})
}

func TestSQLiteClosedDatabaseIsAWriteError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openAt(t, path, checkpoint.Options{})
	checkpoint.CloseDB(s)
	err := s.MarkInFlight(context.Background(), checkpoint.Record{Pipeline: "p", Key: "k"})
	if !errors.Is(err, checkpoint.ErrWrite) {
		t.Fatalf("err = %v, want ErrWrite", err)
	}
	if err := s.Close(); !errors.Is(err, checkpoint.ErrWrite) {
		t.Fatalf("Close = %v, want the sticky ErrWrite", err)
	}
}
