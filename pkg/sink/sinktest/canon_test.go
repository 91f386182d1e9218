package sinktest

import (
	"slices"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/sink"
)

func TestFormat(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		typ  sink.Type
		v    any
		want string
	}{
		{"text", sink.Text, "a,b", "a,b"},
		{"nil number", sink.Number, nil, ""},
		{"integral number", sink.Number, 95.0, "95"},
		{"fraction", sink.Number, 0.125, "0.125"},
		{"large number", sink.Number, 1e21, "1000000000000000000000"},
		{"zero time", sink.Time, time.Time{}, ""},
		{"time in UTC to the second", sink.Time, time.Date(2026, 1, 15, 15, 30, 0, 900, cet), "2026-01-15T14:30:00Z"},
		{"wrong type shows", sink.Number, "x", "x"},
		{"unknown type shows", sink.Number, 3, "!int(3)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Format(tc.typ, tc.v); got != tc.want {
				t.Errorf("Format(%v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

func TestExcelSerial(t *testing.T) {
	want := time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC)
	if got := ExcelSerial(46037.604166666664); !got.Equal(want) {
		t.Errorf("ExcelSerial = %v, want %v", got, want)
	}
}

func TestSortByKeyIsStable(t *testing.T) {
	rows := [][]string{{"b", "1"}, {"a", "2"}, {"b", "0"}, {"a", "1"}}
	got := SortByKey(sink.TranscriptLines, rows)
	want := [][]string{{"a", "2"}, {"a", "1"}, {"b", "1"}, {"b", "0"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("SortByKey = %q, want %q", got, want)
	}
}
