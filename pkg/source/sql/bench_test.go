package sql

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

// BenchmarkReadSQLite reads 100k contact rows per iteration from SQLite
// and reports rows/s.
func BenchmarkReadSQLite(b *testing.B) {
	const n = 100_000
	be := backends[0]
	be.dsn = be.dsnFor(b)
	db := be.admin(b)
	table := be.newTable(b, db, "id INTEGER", "first_name TEXT", "last_name TEXT", "phone TEXT", "email TEXT", "updated_at DATETIME")
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?)")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if _, err := stmt.Exec(i, "First", "Last", fmt.Sprintf("+1555%07d", i), fmt.Sprintf("c%d@example.com", i), start.Add(time.Duration(i)*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	opts := Options{Driver: "sqlite", DSN: be.dsn, CursorColumn: "updated_at",
		Query: "SELECT * FROM " + table + " WHERE COALESCE(updated_at > @cursor, TRUE)"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := open(b, opts)
		count := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatalf("read %d rows, want %d", count, n)
		}
		_ = r.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
