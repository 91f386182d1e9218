package sql_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/sink"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
	sinksql "github.com/alexsync/alexsync/pkg/sink/sql"
)

// migrated is a table the tests create by hand before the sink sees it.
var migrated = sink.Table{Name: "migrated", Key: "id", Columns: []sink.Column{
	{Name: "id", Type: sink.Text}, {Name: "status", Type: sink.Text}, {Name: "cost", Type: sink.Number}, {Name: "at_utc", Type: sink.Time}, {Name: "phone", Type: sink.Phone},
}}

func (tg *target) keyType() string {
	if tg.b.driver == "mysql" {
		return "VARCHAR(191)"
	}
	return "TEXT"
}

// columnTypes returns the declared type of each column of table.
func (tg *target) columnTypes(t *testing.T, table string) map[string]string {
	t.Helper()
	query := map[string]string{
		"sqlite":   `SELECT name, type FROM pragma_table_info(?)`,
		"postgres": `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`,
		"mysql":    `SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?`,
	}[tg.b.driver]
	rows, err := tg.db(t).Raw(query, tg.prefix+table).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		types[name] = strings.ToLower(typ)
	}
	return types
}

func (tg *target) hasKeyIndex(t *testing.T, table string) bool {
	t.Helper()
	query := map[string]string{
		"sqlite":   `SELECT COUNT(*) FROM pragma_index_list(?) WHERE name LIKE 'ix_%'`,
		"postgres": `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname LIKE 'ix_%'`,
		"mysql":    `SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name LIKE 'ix_%'`,
	}[tg.b.driver]
	var n int64
	if err := tg.db(t).Raw(query, tg.prefix+table).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestSchema(t *testing.T) {
	want := map[string]map[string]string{
		"sqlite":   {"id": "text", "duration_seconds": "real", "start_timestamp_utc": "timestamp", "phone": "text"},
		"postgres": {"id": "text", "duration_seconds": "double precision", "start_timestamp_utc": "timestamp without time zone", "phone": "text"},
		"mysql":    {"id": "varchar(191)", "duration_seconds": "double", "start_timestamp_utc": "datetime(6)", "phone": "text", "summary": "mediumtext"},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		tg := b.targetFor(t, t.TempDir())
		w := tg.open(t)
		if err := w.Replace(sink.Calls, []sink.Row{sinktest.Call(1, 1)}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := tg.columnTypes(t, sink.Calls.Name)
		for col, typ := range want[b.name] {
			if got[col] != typ {
				t.Errorf("column %s: type %q, want %q", col, got[col], typ)
			}
		}
		if !tg.hasKeyIndex(t, sink.Calls.Name) {
			t.Error("no index on the key column")
		}
	})
}

func TestMigrationAddsMissingColumns(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		tg := b.targetFor(t, t.TempDir())
		create := "CREATE TABLE " + tg.q(tg.prefix+migrated.Name) + " (" + tg.q("id") + " " + tg.keyType() + ", " + tg.q("status") + " TEXT)"
		if err := tg.db(t).Exec(create).Error; err != nil {
			t.Fatal(err)
		}
		if err := tg.db(t).Exec("INSERT INTO "+tg.q(tg.prefix+migrated.Name)+" VALUES (?, ?)", "old", "kept").Error; err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
		w := tg.open(t)
		if err := w.Replace(migrated, []sink.Row{{"new", "=1+1", 2.5, at, sinktest.E164}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := sinktest.SortByKey(migrated, tg.read(t, migrated))
		want := [][]string{{"new", "=1+1", "2.5", "2026-02-01T09:00:00Z", sinktest.E164}, {"old", "kept", "", "", ""}}
		if len(got) != 2 || strings.Join(got[0], "|") != strings.Join(want[0], "|") || strings.Join(got[1], "|") != strings.Join(want[1], "|") {
			t.Errorf("rows %q, want %q", got, want)
		}
		if !tg.hasKeyIndex(t, migrated.Name) {
			t.Error("no index on the key column of a migrated table")
		}
	})
}

// A table of the output's name that another application owns (no key
// column) is refused and left as it was.
func TestForeignTableRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		tg := b.targetFor(t, t.TempDir())
		create := "CREATE TABLE " + tg.q(tg.prefix+migrated.Name) + " (" + tg.q("crm_id") + " INTEGER, " + tg.q("status") + " TEXT)"
		if err := tg.db(t).Exec(create).Error; err != nil {
			t.Fatal(err)
		}
		w := tg.open(t)
		err := w.Replace(migrated, []sink.Row{{"new", "x", 2.5, time.Time{}, sinktest.E164}})
		_ = w.Abort()
		if !errors.Is(err, sinksql.ErrForeignTable) {
			t.Fatalf("Replace into a foreign table: %v, want ErrForeignTable", err)
		}
		if cols := tg.columnTypes(t, migrated.Name); len(cols) != 2 {
			t.Fatalf("the foreign table was altered: columns %v", cols)
		}
	})
}

// A database error loses the run: later calls return it and Close rolls
// back the batches that had succeeded.
func TestDatabaseErrorLosesRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		tg := b.targetFor(t, t.TempDir())
		create := "CREATE TABLE " + tg.q(tg.prefix+migrated.Name) + " (" + tg.q("id") + " " + tg.keyType() + ", " + tg.q("extra") + " TEXT NOT NULL)"
		if err := tg.db(t).Exec(create).Error; err != nil {
			t.Fatal(err)
		}
		w := tg.open(t)
		if err := w.Replace(sink.Calls, []sink.Row{sinktest.Call(1, 1)}); err != nil {
			t.Fatal(err)
		}
		first := w.Replace(migrated, []sink.Row{{"x", "s", nil, time.Time{}, ""}})
		if first == nil {
			t.Fatal("insert without the NOT NULL column succeeded")
		}
		if err := w.Replace(sink.Calls, []sink.Row{sinktest.Call(2, 1)}); err == nil || err.Error() != first.Error() {
			t.Errorf("Replace after the error: %v, want %v", err, first)
		}
		if err := w.Close(); err == nil || !strings.Contains(err.Error(), "rolled back") {
			t.Errorf("Close: %v, want a rolled-back error", err)
		}
		if rows := tg.read(t, sink.Calls); len(rows) != 0 {
			t.Errorf("rows of a lost run are visible: %q", rows)
		}
	})
}

func TestOpenRefusesUnknownDriver(t *testing.T) {
	if _, err := sinksql.Open(context.Background(), "oracle", "x"); err == nil || !strings.Contains(err.Error(), "unknown driver") {
		t.Errorf("error %v, want unknown driver", err)
	}
}

func TestInvalidIdentifiersRefused(t *testing.T) {
	w, err := sinksql.Open(context.Background(), "sqlite", t.TempDir()+"/x.db")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for _, table := range []sink.Table{
		{Name: "a?b", Key: "id", Columns: []sink.Column{{Name: "id", Type: sink.Text}}},
		{Name: "t", Key: "id", Columns: []sink.Column{{Name: "id", Type: sink.Text}, {Name: "e@mail", Type: sink.Text}}},
	} {
		if err := w.Replace(table, nil); err == nil {
			t.Errorf("table %q columns %v accepted", table.Name, table.Columns)
		}
	}
}
