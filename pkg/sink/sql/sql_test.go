package sql_test

import (
	stdsql "database/sql"
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"

	"github.com/alexsync/alexsync/pkg/sink"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// scanRow scans one row into canonical text.
func scanRow(t testing.TB, rows *stdsql.Rows, table sink.Table) []string {
	t.Helper()
	dest := make([]any, len(table.Columns))
	for i, c := range table.Columns {
		switch c.Type {
		case sink.Number:
			dest[i] = new(stdsql.NullFloat64)
		case sink.Time:
			dest[i] = new(stdsql.NullTime)
		default:
			dest[i] = new(stdsql.NullString)
		}
	}
	if err := rows.Scan(dest...); err != nil {
		t.Fatal(err)
	}
	rec := make([]string, len(dest))
	for i, d := range dest {
		switch v := d.(type) {
		case *stdsql.NullFloat64:
			if v.Valid {
				rec[i] = sinktest.FormatNumber(v.Float64)
			}
		case *stdsql.NullTime:
			if v.Valid {
				rec[i] = sinktest.FormatTime(v.Time)
			}
		case *stdsql.NullString:
			rec[i] = v.String
		}
	}
	return rec
}

// eachBackend runs fn as a subtest per backend.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if b.env != "" {
				b.server(t)
			}
			fn(t, b)
		})
	}
}

func TestConformance(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sinktest.Run(t,
			func(t *testing.T, dir string) sink.Writer { return b.targetFor(t, dir).open(t) },
			func(t *testing.T, dir string, table sink.Table) [][]string { return b.targetFor(t, dir).read(t, table) })
	})
}

// TestGolden writes the sample and compares what every backend reads
// back with one golden file: the backends must agree to the byte.
func TestGolden(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		tg := b.targetFor(t, t.TempDir())
		w := tg.open(t)
		for _, batch := range sinktest.Sample() {
			if err := w.Replace(batch.Table, batch.Rows); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := map[string][][]string{}
		for _, table := range sinktest.Tables {
			got[table.Name] = sinktest.SortByKey(table, tg.read(t, table))
		}
		out, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		sinktest.Golden(t, filepath.Join("testdata", "sample.golden.json"), append(out, '\n'), *update && b.name == "sqlite")
	})
}
