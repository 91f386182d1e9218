package csv

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// TestUTF8ScanAcrossChunks feeds text in chunks of every size, so runes
// are cut at every place, and checks the verdict against utf8.Valid.
func TestUTF8ScanAcrossChunks(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"ascii", "a,b\n1,2\n"},
		{"multibyte", "Zoë,Ødegård,美咲,😀\n"},
		{"windows-1252 é before a comma", "Jos\xE9,x\n"},
		{"lead byte at the end", "abc\xE2\x82"},
		{"stray continuation", "ab\x82cd"},
		{"surrogate half", "a\xED\xA0\x80b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for size := 1; size <= len(tc.text); size++ {
				var v utf8Scan
				data := []byte(tc.text)
				for len(data) > 0 {
					n := min(size, len(data))
					v.scan(data[:n], n == len(data))
					data = data[n:]
				}
				if v.bad == utf8.ValidString(tc.text) {
					t.Errorf("chunks of %d: bad = %v, want %v", size, v.bad, !utf8.ValidString(tc.text))
				}
			}
		})
	}
}

// TestWindowOneByteReads reads through a source that returns one byte at
// a time, so every rune is cut at every place, including invalid UTF-8
// past the detection prefix.
func TestWindowOneByteReads(t *testing.T) {
	pad := strings.Repeat("0;padding\n", peekSize/10+1)
	data := "id;name\n1;\"Zoë\nNúñez\"\n" + pad + "2;Jos\xE9\n3;ok\n"
	r, err := NewReader(iotest.OneByteReader(bytes.NewReader([]byte(data))), "x.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := drain(t, r)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	p := peekSize/10 + 1
	want := []result{{Line: 2, Values: []string{"1", "Zoë\nNúñez"}}, {Line: 4 + p, Values: []string{"2", "José"}}, {Line: 5 + p, Values: []string{"3", "ok"}}}
	if len(rows) != len(want)+p {
		t.Fatalf("read %d rows, want %d", len(rows), len(want)+p)
	}
	rows = append(rows[:1], rows[1+p:]...)
	for i := range want {
		if rows[i].Line != want[i].Line || rows[i].Values[1] != want[i].Values[1] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}
