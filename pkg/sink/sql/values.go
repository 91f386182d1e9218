package sql

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/alexsync/alexsync/pkg/sink"
)

// values validates rows and returns their statement arguments, row by
// row, and the batch's distinct keys in order.
func values(table sink.Table, key int, rows []sink.Row) ([][]any, []string, error) {
	args := make([][]any, len(rows))
	var keys []string
	seen := map[string]bool{}
	for i, row := range rows {
		if len(row) != len(table.Columns) {
			return nil, nil, fmt.Errorf("sql sink: %s row %d: %d values for %d columns", table.Name, i, len(row), len(table.Columns))
		}
		rec := make([]any, len(row))
		for j, c := range table.Columns {
			v, err := value(c, row[j])
			if err != nil {
				return nil, nil, fmt.Errorf("sql sink: %s row %d: %w", table.Name, i, err)
			}
			rec[j] = v
		}
		k, _ := rec[key].(string)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
		args[i] = rec
	}
	return args, keys, nil
}

// value returns the argument that stores v in column c.
func value(c sink.Column, v any) (any, error) {
	switch c.Type {
	case sink.Text, sink.Phone:
		switch x := v.(type) {
		case string:
			return x, nil
		case nil:
			return "", nil
		}
	case sink.Number:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("column %s: %v is not a finite number", c.Name, x)
			}
			return x, nil
		case nil:
			return nil, nil
		}
	case sink.Time:
		switch x := v.(type) {
		case time.Time:
			if x.IsZero() {
				return nil, nil
			}
			return x.UTC(), nil
		case nil:
			return nil, nil
		}
	default:
		return nil, fmt.Errorf("column %s: unknown column type %d", c.Name, c.Type)
	}
	return nil, fmt.Errorf("column %s: a %T cannot be stored in a column of type %d", c.Name, v, c.Type)
}

// replace deletes the stored rows of keys and inserts rows, in statements
// of at most BatchRows rows (or keys) and maxParams parameters.
func (w *Writer) replace(table sink.Table, keys []string, rows [][]any) error {
	name := w.d.quote(w.opts.TablePrefix + table.Name)
	per := max(1, min(w.opts.BatchRows, maxParams))
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(len(keys), start+per)]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
		}
		stmt := fmt.Sprintf("DELETE FROM %s WHERE %s IN (%s)", name, w.d.quote(table.Key), marks(len(chunk)))
		if err := w.tx.Exec(stmt, args...).Error; err != nil {
			return fmt.Errorf("delete from %s: %w", table.Name, err)
		}
	}
	cols := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		cols[i] = w.d.quote(c.Name)
	}
	head := fmt.Sprintf("INSERT INTO %s (%s) VALUES ", name, strings.Join(cols, ", "))
	tuple := "(" + marks(len(cols)) + ")"
	per = max(1, min(w.opts.BatchRows, maxParams/len(cols)))
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(len(rows), start+per)]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		stmt := head + strings.Repeat(tuple+",", len(chunk)-1) + tuple
		if err := w.tx.Exec(stmt, args...).Error; err != nil {
			return fmt.Errorf("insert into %s: %w", table.Name, err)
		}
	}
	return nil
}

// marks returns n comma-separated placeholders; gorm binds them in the
// dialect's syntax.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
