package sql

import (
	"slices"
	"testing"
	"time"
)

func TestCursor(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	at := func(h int) time.Time { return time.Date(2024, 3, 5, h, 7, 8, 0, time.UTC) }
	tests := []struct {
		name           string
		colType        func(backend) string
		first, second  []any // cursor values inserted before run 1 and before run 2
		max1, max2     string
		wantFirstRead  []string // ids read by run 1
		wantSecondRead []string // ids read by run 2
	}{
		{
			name:    "time column",
			colType: func(b backend) string { return b.timestamp },
			first:   []any{at(3), at(1), at(2)}, second: []any{at(5), at(4)},
			max1: "2024-03-05T03:07:08Z", max2: "2024-03-05T05:07:08Z",
			wantFirstRead: []string{"2", "3", "1"}, wantSecondRead: []string{"5", "4"},
		},
		{
			name:    "integer column",
			colType: func(b backend) string { return b.integer },
			first:   []any{int64(10), int64(30), int64(20)}, second: []any{int64(9007199254740993), int64(31)},
			max1: "30", max2: "9007199254740993",
			wantFirstRead: []string{"1", "3", "2"}, wantSecondRead: []string{"5", "4"},
		},
		{
			name:    "date column",
			colType: func(b backend) string { return b.date },
			first:   []any{day(1), day(2)}, second: []any{day(3)},
			max1: "2024-03-02", max2: "2024-03-03",
			wantFirstRead: []string{"1", "2"}, wantSecondRead: []string{"3"},
		},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				db := b.admin(t)
				table := b.newTable(t, db, "id "+b.integer, "val "+tc.colType(b))
				opts := Options{
					Driver: b.driver, DSN: b.dsn, CursorColumn: "VAL",
					Query: "SELECT id, val FROM " + table + "\nWHERE COALESCE(val > @cursor, TRUE)\nORDER BY val",
				}
				id := 0
				add := func(vals []any) {
					for _, v := range vals {
						id++
						b.insert(t, db, table, []string{"id", "val"}, []any{id, v})
					}
				}
				run := func(cursor string, want []string, wantMax string) string {
					t.Helper()
					opts.Cursor = cursor
					r := open(t, opts)
					if got := column(readAll(t, r), 0); !slices.Equal(got, want) {
						t.Errorf("cursor %q: read ids %q, want %q", cursor, got, want)
					}
					if got := r.MaxCursor(); got != wantMax {
						t.Errorf("cursor %q: MaxCursor = %q, want %q", cursor, got, wantMax)
					}
					return r.MaxCursor()
				}
				add(tc.first)
				c := run("", tc.wantFirstRead, tc.max1)
				add(tc.second)
				c = run(c, tc.wantSecondRead, tc.max2)
				run(c, nil, tc.max2) // nothing new: the cursor stays
			})
		}
	})
}

func TestCursorValue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"first run", "", nil},
		{"integer", "42", int64(42)},
		{"negative integer", "-7", int64(-7)},
		{"leading zeros stay text", "0042", "0042"},
		{"float", "4.5", 4.5},
		{"float not in shortest form stays text", "4.50", "4.50"},
		{"RFC 3339", "2024-03-05T06:07:08Z", time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC)},
		{"RFC 3339 with offset is UTC", "2024-03-05T08:07:08+02:00", time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC)},
		{"date", "2024-03-05", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)},
		{"text", "abc", "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cursorValue(tc.in)
			if gt, ok := got.(time.Time); ok {
				if wt, ok := tc.want.(time.Time); !ok || !gt.Equal(wt) || gt.Location() != time.UTC {
					t.Fatalf("cursorValue(%q) = %v, want %v", tc.in, got, tc.want)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("cursorValue(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
		})
	}
}
