package sql

import (
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/source/sourcetest"
)

func TestConformance(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		sourcetest.Run(t, func(t *testing.T, header []string, rows [][]string) record.Reader {
			db := b.admin(t)
			defs := []string{b.quote("ord") + " " + b.integer}
			selected := make([]string, len(header))
			for i, h := range header {
				defs = append(defs, b.quote(h)+" "+b.text)
				selected[i] = b.quote(h)
			}
			table := b.newTable(t, db, defs...)
			columns := append([]string{"ord"}, header...)
			for i, r := range rows {
				values := []any{i}
				for _, v := range r {
					values = append(values, v)
				}
				b.insert(t, db, table, columns, values)
			}
			query := "SELECT " + strings.Join(selected, ", ") + " FROM " + table + " ORDER BY " + b.quote("ord")
			return open(t, Options{Driver: b.driver, DSN: b.dsn, Query: query})
		})
	})
}
