package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gocarina/gocsv"
)

const benchRows = 100_000

var (
	benchOnce sync.Once
	benchData []byte
)

// benchCSV is a generated 100k-row contacts export (~10 MB) with quoted
// values, one of them multi-line, every 10th row.
func benchCSV() []byte {
	benchOnce.Do(func() {
		var b bytes.Buffer
		b.WriteString("Record ID,First Name,Last Name,Phone,Email,Notes\n")
		for i := range benchRows {
			notes := "plain note"
			if i%10 == 0 {
				notes = "\"said \"\"call me\"\",\nthen hung up\""
			}
			fmt.Fprintf(&b, "%d,Ada%d,Lovelace,+1555%07d,ada%d@example.com,%s\n", i, i, i, i, notes)
		}
		benchData = b.Bytes()
	})
	return benchData
}

// BenchmarkRead reads a 100k-row file from disk through Open and Next.
func BenchmarkRead(b *testing.B) {
	data := benchCSV()
	path := filepath.Join(b.TempDir(), "bench.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows += countRows(b, r.Next)
		r.Close()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// benchContact is the struct gocsv needs to decode a row into.
type benchContact struct {
	ID    string `csv:"Record ID"`
	First string `csv:"First Name"`
	Last  string `csv:"Last Name"`
	Phone string `csv:"Phone"`
	Email string `csv:"Email"`
	Notes string `csv:"Notes"`
}

// BenchmarkParsers compares, on the same bytes in memory, encoding/csv
// (rows as []string), gocarina/gocsv (rows decoded into a struct, its only
// streaming API) and this package's Reader on top of encoding/csv.
func BenchmarkParsers(b *testing.B) {
	data := benchCSV()
	parsers := []struct {
		name string
		read func(b *testing.B) int
	}{
		{"encoding-csv", func(b *testing.B) int {
			cr := stdcsv.NewReader(bytes.NewReader(data))
			cr.FieldsPerRecord, cr.ReuseRecord = -1, true
			return countRows(b, func() (any, error) { return cr.Read() }) - 1
		}},
		{"gocsv", func(b *testing.B) int {
			n := 0
			err := gocsv.UnmarshalToCallback(bytes.NewReader(data), func(c benchContact) { n++ })
			if err != nil {
				b.Fatal(err)
			}
			return n
		}},
		{"source-csv", func(b *testing.B) int {
			r, err := NewReader(bytes.NewReader(data), "bench.csv", Options{})
			if err != nil {
				b.Fatal(err)
			}
			return countRows(b, r.Next)
		}},
	}
	for _, p := range parsers {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				rows += p.read(b)
			}
			if rows%benchRows != 0 && rows%(benchRows+1) != 0 {
				b.Fatalf("read %d rows", rows)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func countRows[T any](b *testing.B, next func() (T, error)) int {
	n := 0
	for {
		_, err := next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}
