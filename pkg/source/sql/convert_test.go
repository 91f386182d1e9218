package sql

import (
	"fmt"
	"slices"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

func TestConversion(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := b.admin(t)
		cols := []string{"i", "big", "f", "g", "b", "n", "bl", "ts", "d", "txt"}
		table := b.newTable(t, db, "i "+b.integer, "big "+b.integer, "f "+b.float, "g "+b.float, "b "+b.boolean,
			"n "+b.text, "bl "+b.blob, "ts "+b.timestamp, "d "+b.date, "txt "+b.text)
		ts := time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC)
		b.insert(t, db, table, cols,
			[]any{1, int64(-9007199254740993), 0.1, 1e21, true, nil, []byte("héllo"), ts, ts, "0042"},
			[]any{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}, // blank: skipped
			[]any{3, 0, -2.5, 0, false, "", []byte{}, nil, nil, ""})
		trueText, falseText := "true", "false"
		if b.driver == "mysql" { // BOOLEAN is TINYINT(1) there
			trueText, falseText = "1", "0"
		}
		want := [][]string{
			{"1", "-9007199254740993", "0.1", "1000000000000000000000", trueText, "", "héllo", "2024-03-05T06:07:08Z", "2024-03-05", "0042"},
			{"3", "0", "-2.5", "0", falseText, "", "", "", "", ""},
		}
		wantLines := []int{1, 3}
		dsns := map[string]string{"": b.dsn}
		if b.driver == "mysql" { // times arrive as text without parseTime
			cfg, err := gomysql.ParseDSN(b.dsn)
			if err != nil {
				t.Fatal(err)
			}
			cfg.ParseTime = false
			dsns[", no parseTime"] = cfg.FormatDSN()
		}
		for label, dsn := range dsns {
			for _, params := range []map[string]any{nil, {"min": 0}} {
				// MySQL sends values as text without parameters and
				// typed (binary protocol) with them.
				query := fmt.Sprintf("SELECT %s FROM %s ORDER BY COALESCE(i, 2)", joinQuoted(b, cols), table)
				name := "no parameters" + label
				if params != nil {
					query = fmt.Sprintf("SELECT %s FROM %s WHERE COALESCE(i, 2) >= @min ORDER BY COALESCE(i, 2)", joinQuoted(b, cols), table)
					name = "with parameters" + label
				}
				t.Run(name, func(t *testing.T) {
					r := open(t, Options{Driver: b.driver, DSN: dsn, Query: query, Params: params})
					rows := readAll(t, r)
					if len(rows) != len(want) {
						t.Fatalf("read %d rows, want %d: %v", len(rows), len(want), rows)
					}
					for i := range want {
						if !slices.Equal(rows[i].Values, want[i]) {
							t.Errorf("row %d = %q,\n want %q", i, rows[i].Values, want[i])
						}
						if rows[i].Line != wantLines[i] {
							t.Errorf("row %d line = %d, want %d", i, rows[i].Line, wantLines[i])
						}
					}
				})
			}
		}
	})
}

func joinQuoted(b backend, cols []string) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += b.quote(c)
	}
	return s
}

func TestColumnKind(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want kind
	}{
		{"pgx timestamptz", "TIMESTAMPTZ", kindTime},
		{"mysql datetime", "DATETIME", kindTime},
		{"date", "DATE", kindDate},
		{"sqlite declared lower case", "integer", kindInt},
		{"mysql unsigned", "UNSIGNED BIGINT", kindInt},
		{"declared with size", "VARCHAR(20)", kindText},
		{"pgx float8", "FLOAT8", kindFloat},
		{"decimal stays text", "DECIMAL", kindText},
		{"expression without a type", "", kindText},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := columnKind(tc.in); got != tc.want {
				t.Fatalf("columnKind(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   any
		k    kind
		want string
	}{
		{"NULL", nil, kindText, ""},
		{"bytes", []byte("abc"), kindText, "abc"},
		{"int32", int32(-5), kindInt, "-5"},
		{"large uint64", uint64(18446744073709551615), kindInt, "18446744073709551615"},
		{"float32 shortest", float32(0.1), kindFloat, "0.1"},
		{"float text", []byte("1.50"), kindFloat, "1.5"},
		{"decimal text kept", []byte("1.50"), kindText, "1.50"},
		{"bool", false, kindText, "false"},
		{"time to UTC", time.Date(2024, 1, 2, 0, 30, 0, 5000, berlin), kindTime, "2024-01-01T23:30:00.000005Z"},
		{"date keeps its day", time.Date(2024, 1, 2, 0, 0, 0, 0, berlin), kindDate, "2024-01-02"},
		{"mysql datetime text", []byte("2024-01-02 03:04:05.5"), kindTime, "2024-01-02T03:04:05.5Z"},
		{"mysql zero date kept", []byte("0000-00-00 00:00:00"), kindTime, "0000-00-00 00:00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := format(normalize(tc.in, tc.k), tc.k); got != tc.want {
				t.Fatalf("format(normalize(%v)) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
