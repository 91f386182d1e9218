package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/checkpoint/checkpointtest"
	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/sim"
)

func TestOpenCheckpoint(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "state", "checkpoint.db")
	cases := []struct {
		name       string
		location   string
		wantSQLite bool
		wantConfig bool // errors.Is(err, ErrConfig)
	}{
		{"file path opens SQLite", path, true, false},
		{"mysql URL is refused", "mysql://alex:s3cret-pw@db/sync", false, true},
		{"http URL is refused", "http://alex:s3cret-pw@example.com/state.db", false, true},
		{"sqlite URL is refused", "sqlite://state.db", false, true},
		{"scheme is case-sensitive, as in libpq", "POSTGRES://alex:s3cret-pw@db/sync", false, true},
		{"malformed postgres URL", "postgres://alex:s3cret-pw@127.0.0.1:notaport/sync", false, true},
		{"unreachable postgres server", "postgresql://alex:s3cret-pw@127.0.0.1:1/sync?sslmode=disable&connect_timeout=5", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := openCheckpoint(t.Context(), tc.location, clk)
			if tc.wantSQLite {
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if _, ok := s.(*checkpoint.SQLiteStore); !ok || s.Location() != tc.location {
					t.Fatalf("opened %T at %q, want SQLite at %q", s, s.Location(), tc.location)
				}
				return
			}
			if err == nil || s != nil {
				t.Fatalf("open %q = %v, %v; want an error and no store", tc.location, s, err)
			}
			if errors.Is(err, ErrConfig) != tc.wantConfig {
				t.Fatalf("errors.Is(%v, ErrConfig) = %v, want %v", err, !tc.wantConfig, tc.wantConfig)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestOpenCheckpointPostgres(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	for _, scheme := range []string{"postgres", "postgresql"} {
		t.Run(scheme, func(t *testing.T) {
			loc := checkpointtest.PostgresURL(t, scheme)
			s, err := openCheckpoint(t.Context(), loc, clk)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, ok := s.(*checkpoint.PostgresStore); !ok {
				t.Fatalf("opened %T, want a PostgreSQL store", s)
			}
			if s.Location() != checkpoint.RedactDSN(loc) || !strings.HasPrefix(s.Location(), scheme+"://") {
				t.Fatalf("Location = %q", s.Location())
			}
		})
	}
}

// TestRunWithPostgresCheckpoint runs a pipeline twice on a PostgreSQL
// checkpoint given through ${ALEXSYNC_CHECKPOINT}: the second run finds
// everything synced.
func TestRunWithPostgresCheckpoint(t *testing.T) {
	t.Setenv("ALEXSYNC_CHECKPOINT", checkpointtest.PostgresURL(t, "postgres"))
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(5))
	body := `name: test
source: {type: csv, path: contacts.csv}
mapping:
  key: [Record ID]
  fields: {first_name: First Name, last_name: Last Name, email: Email, phone: Phone}
phone: {default_region: US}
checkpoint: ${ALEXSYNC_CHECKPOINT}
rejects: rejects.csv
`
	path := filepath.Join(h.dir, "p.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := config.LoadPipeline(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Checkpoint, "postgres://") {
		t.Fatalf("checkpoint = %q, want the expanded URL", p.Checkpoint)
	}
	first := h.run(p, nil)
	if first.Counts.Created != 5 || first.Outputs.Checkpoint != checkpoint.RedactDSN(p.Checkpoint) {
		t.Fatalf("first run: %+v, checkpoint %q", first.Counts, first.Outputs.Checkpoint)
	}
	second := h.run(p, nil)
	if second.Counts.Created != 0 || second.Counts.Unchanged != 5 {
		t.Fatalf("second run: %+v", second.Counts)
	}
}
