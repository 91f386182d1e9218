package csv

import (
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/source/sourcetest"
)

func TestConformance(t *testing.T) {
	dialects := []struct {
		name string
		d    Dialect
	}{
		{"comma utf-8 LF", Dialect{Delimiter: ',', Encoding: encUTF8}},
		{"semicolon windows-1252 CRLF", Dialect{Delimiter: ';', Encoding: encCP1252, CRLF: true}},
		{"tab utf-16le BOM CRLF", Dialect{Delimiter: '\t', Encoding: encUTF16LE, CRLF: true}},
		{"pipe utf-8 BOM", Dialect{Delimiter: '|', Encoding: encUTF8BOM}},
		{"comma utf-16be BOM", Dialect{Delimiter: ',', Encoding: encUTF16BE}},
	}
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			sourcetest.Run(t, func(t *testing.T, header []string, rows [][]string) record.Reader {
				data := encodeTable(t, header, rows, tc.d.Delimiter, tc.d.Encoding, tc.d.CRLF)
				r, err := Open(writeFile(t, "contacts.csv", data), Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) > 0 && r.Dialect() != tc.d {
					t.Errorf("Dialect() = %+v, want %+v", r.Dialect(), tc.d)
				}
				return r
			})
		})
	}
}
