package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestInlineDSN(t *testing.T) {
	t.Setenv("ALEXSYNC_TEST_PGPASS", "s3cret")
	t.Setenv("ALEXSYNC_TEST_DSN", "postgres://alex:s3cret@db/crm")
	t.Setenv("ALEXSYNC_TEST_DRIVER", "postgres")
	t.Setenv("ALEXSYNC_TEST_UNSET", "")
	// The dsn is on line 4 of a source and line 5 of an output.
	const (
		source = "source:\n  type: sql\n  driver: %s\n  dsn: '%s'\n  query: select 1\nmapping: m.yaml\nphone: {default_region: US}\n"
		output = "kind: pull-calls\noutput:\n  type: sql\n  driver: %s\n  dsn: '%s'\n"
	)
	tests := []struct {
		name    string
		section string // source or output
		driver  string
		dsn     string
		refused bool
	}{
		{"sqlite file", "source", "sqlite", "data/crm.db", false},
		{"sqlite with a query password", "source", "sqlite", "file:crm.db?_auth_pass=s3cret", false},
		{"postgres URL without a password", "source", "postgres", "postgres://alex@db.internal:5432/crm?sslmode=require", false},
		{"postgres URL with an empty password", "source", "postgres", "postgres://alex:@db/crm", false},
		{"postgres key=value without a password", "source", "postgres", "host=db user=alex dbname=crm sslmode=disable", false},
		{"postgres empty quoted password", "source", "postgres", "host=db password='''' dbname=crm", false},
		{"postgres password from a variable", "source", "postgres", "postgres://alex:${ALEXSYNC_TEST_PGPASS}@db/crm", false},
		{"whole DSN from a variable", "source", "postgres", "${ALEXSYNC_TEST_DSN}", false},
		{"mysql without a password", "source", "mysql", "alex@tcp(db:3306)/crm?parseTime=true", false},
		{"mysql without a user", "source", "mysql", "tcp(db:3306)/crm", false},
		{"output postgres without a password", "output", "postgres", "postgresql://report@db/calls", false},
		{"output sqlite", "output", "sqlite", "calls.db", false},

		{"postgres URL", "source", "postgres", "postgres://alex:s3cret@db/crm", true},
		{"postgresql URL", "source", "postgres", "postgresql://alex:s3cret@db:5432/crm?sslmode=require", true},
		{"upper-case scheme", "source", "postgres", "PostgreSQL://alex:s3cret@db/crm", true},
		{"postgres URL password parameter", "source", "postgres", "postgres://db/crm?user=alex&password=s3cret", true},
		{"postgres URL net/url refuses", "source", "postgres", "postgres://alex:s3#c%ret@db/crm", true},
		{"postgres key=value", "source", "postgres", "host=db user=alex password=s3cret dbname=crm", true},
		{"postgres key=value first, spaced", "source", "postgres", "password = s3cret host=db", true},
		{"postgres key=value quoted", "source", "postgres", "host=db password=''s3 cret''", true},
		{"password in a variable's default", "source", "postgres", "${ALEXSYNC_TEST_UNSET:-postgres://alex:s3cret@db/crm}", true},
		{"driver from a variable", "source", "${ALEXSYNC_TEST_DRIVER}", "postgres://alex:s3cret@db/crm", true},
		{"mysql", "source", "mysql", "alex:s3cret@tcp(db:3306)/crm?parseTime=true", true},
		{"mysql password with / and @", "source", "mysql", "alex:s3/c@ret@tcp(db)/crm", true},
		{"mysql URL form", "source", "mysql", "mysql://alex:s3cret@db/crm", true},
		{"output postgres", "output", "postgres", "postgres://report:s3cret@db/calls", true},
		{"output mysql", "output", "mysql", "report:s3cret@tcp(db)/calls", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, line := fmt.Sprintf(source, tc.driver, tc.dsn), 4
			if tc.section == "output" {
				body, line = fmt.Sprintf(output, tc.driver, tc.dsn), 5
			}
			_, err := LoadPipeline(writeFile(t, "p.yaml", body))
			if !tc.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			want := fmt.Sprintf("p.yaml:%d: %s.dsn: a DSN with a password", line, tc.section)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.section+".dsn_env") {
				t.Fatalf("error = %v, want it to contain %q and point to %s.dsn_env", err, want, tc.section)
			}
			if fe := (*FileError)(nil); !errors.As(err, &fe) || strings.Contains(fe.Err.Error(), "s3") {
				t.Fatalf("error %q is not a *FileError or repeats the password", err)
			}
		})
	}
}

func TestInlineCheckpointDSN(t *testing.T) {
	t.Setenv("ALEXSYNC_TEST_CHECKPOINT", "postgres://alex:s3cret@db/state")
	const body = "source: {type: csv, path: c.csv}\nmapping: m.yaml\nphone: {default_region: US}\ncheckpoint: '%s'\n"
	tests := []struct {
		name       string
		checkpoint string
		refused    bool
	}{
		{"a file", "../.alexsync/state.db", false},
		{"postgres without a password", "postgres://alex@db/state", false},
		{"postgres from a variable", "${ALEXSYNC_TEST_CHECKPOINT}", false},
		{"postgres URL with a password", "postgres://alex:s3cret@db/state", true},
		{"postgres key=value with a password", "host=db user=alex password=s3cret dbname=state", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPipeline(writeFile(t, "p.yaml", fmt.Sprintf(body, tc.checkpoint)))
			refused := err != nil && strings.Contains(err.Error(), "p.yaml:4: checkpoint: a PostgreSQL DSN with a password")
			if refused != tc.refused || (err != nil && !tc.refused) {
				t.Fatalf("error = %v, refused %v, want %v", err, refused, tc.refused)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error repeats the password: %v", err)
			}
		})
	}
}
