package sql

import (
	"slices"
	"testing"
)

func TestNamedParams(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := b.admin(t)
		table := b.newTable(t, db, "id "+b.integer, "name "+b.text, "score "+b.integer)
		tricky := "O'Brien'); DROP TABLE x; --"
		b.insert(t, db, table, []string{"id", "name", "score"},
			[]any{1, "ann", 10}, []any{2, tricky, 50}, []any{3, "cy", 70}, []any{4, "x@example.com", 90})
		tests := []struct {
			name   string
			query  string
			params map[string]any
			want   []string
		}{
			{"one parameter", "SELECT id FROM " + table + " WHERE score >= @min ORDER BY id",
				map[string]any{"min": 60}, []string{"3", "4"}},
			{"repeated parameter", "SELECT id FROM " + table + " WHERE score >= @min OR id = @min ORDER BY id",
				map[string]any{"min": 2}, []string{"1", "2", "3", "4"}},
			{"value is bound, not spliced", "SELECT id FROM " + table + " WHERE name = @name",
				map[string]any{"name": tricky}, []string{"2"}},
			{"@ inside a literal is not a parameter", "SELECT id FROM " + table + " WHERE name <> 'x@example.com' AND score < @max ORDER BY id",
				map[string]any{"max": 60}, []string{"1", "2"}},
			{"unused parameters are ignored", "SELECT id FROM " + table + " WHERE id = 1",
				map[string]any{"unused": 1}, []string{"1"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := open(t, Options{Driver: b.driver, DSN: b.dsn, Query: tc.query, Params: tc.params})
				if got := column(readAll(t, r), 0); !slices.Equal(got, tc.want) {
					t.Fatalf("read ids %q, want %q", got, tc.want)
				}
			})
		}
	})
}

func TestParamNames(t *testing.T) {
	tests := []struct {
		name, query string
		want        []string
	}{
		{"none", "SELECT 1", nil},
		{"at the end", "SELECT * FROM t WHERE a > @since", []string{"since"}},
		{"terminators", "f(@a,@b) = @c;\n@d\r@e", []string{"a", "b", "c", "d", "e"}},
		{"repeats", "@a @a", []string{"a", "a"}},
		{"quoted literal skipped", "WHERE e = 'a@b.c' AND x = @x", []string{"x"}},
		{"cast glued on, as gorm reads it", "@cursor::date", []string{"cursor::date"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := paramNames(tc.query); !slices.Equal(got, tc.want) {
				t.Fatalf("paramNames(%q) = %q, want %q", tc.query, got, tc.want)
			}
		})
	}
}
