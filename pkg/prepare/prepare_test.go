package prepare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/mapping"
	"github.com/alexsync/alexsync/pkg/phone"
	"github.com/alexsync/alexsync/pkg/record"
)

var header = []string{"ID", "First", "Last", "Phone", "Email", "Country"}

func newPreparer(t testing.TB, keyed bool) *Preparer {
	t.Helper()
	m := &config.Mapping{Fields: config.Fields{Specs: map[string]config.FieldSpec{
		"first_name": {Columns: []string{"First"}},
		"last_name":  {Columns: []string{"Last"}},
		"phone":      {Columns: []string{"Phone"}},
		"email":      {Columns: []string{"Email"}},
	}}, RegionColumn: config.Region{Column: "Country"}}
	if keyed {
		m.Key = config.StringList{"ID"}
	}
	mp, _, err := mapping.Compile(m, header)
	if err != nil {
		t.Fatal(err)
	}
	n, err := phone.New(phone.Options{DefaultRegion: "US"})
	if err != nil {
		t.Fatal(err)
	}
	return New(mp, n)
}

func TestPrepare(t *testing.T) {
	p := newPreparer(t, true)
	tests := []struct {
		name      string
		values    []string
		wantPhone string
		wantCode  string
		wantExt   string
	}{
		{"valid US national", []string{"1", "Ada", "L", "(415) 555-0123", "ada@example.com", ""}, "+14155550123", "", ""},
		{"row region", []string{"2", "Bob", "", "07911 123456", "", "United Kingdom"}, "+447911123456", "", ""},
		{"extension goes to metadata", []string{"3", "Cy", "", "415-555-0123 x42", "", ""}, "+14155550123", "", "42"},
		{"missing first name", []string{"4", "", "L", "(415) 555-0123", "", ""}, "", CodeMissingFirstName, ""},
		{"bad phone", []string{"5", "Di", "", "12", "", ""}, "", "too_short", ""},
		{"no phone", []string{"6", "Ed", "", "", "", ""}, "", "missing", ""},
		{"bad email", []string{"7", "Flo", "", "(415) 555-0123", "flo@", ""}, "", CodeInvalidEmail, ""},
		{"no key", []string{"", "Gus", "", "(415) 555-0123", "", ""}, "", "missing_key", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rerr := p.Prepare(record.Row{Line: 9, Values: tc.values})
			if tc.wantCode != "" {
				if rerr == nil || rerr.Code != tc.wantCode || rerr.Line != 9 || !slices.Equal(rerr.Values, tc.values) {
					t.Fatalf("Prepare = %+v, %v; want a %s row error on line 9 with the row's values", got, rerr, tc.wantCode)
				}
				return
			}
			if rerr != nil {
				t.Fatal(rerr)
			}
			if got.Contact.Phone != tc.wantPhone || got.Contact.Key != tc.values[0] || got.Contact.Metadata["phone_ext"] != tc.wantExt {
				t.Fatalf("got %+v", got.Contact)
			}
			if got.RowHash != record.RowHash(tc.values) {
				t.Fatal("row hash not set")
			}
		})
	}
}

func TestKeyDefaultsToPhone(t *testing.T) {
	got, rerr := newPreparer(t, false).Prepare(record.Row{Line: 2, Values: []string{"", "Ada", "", "415.555.0123", "", ""}})
	if rerr != nil || got.Contact.Key != "+14155550123" {
		t.Fatalf("key = %q, %v; want the E.164 phone", got.Contact.Key, rerr)
	}
}

// sliceReader is a record.Reader over rows and row errors.
type sliceReader struct {
	items []any
	i     int
}

func (s *sliceReader) Header() []string { return header }
func (s *sliceReader) Close() error     { return nil }
func (s *sliceReader) Next() (record.Row, error) {
	if s.i >= len(s.items) {
		return record.Row{}, io.EOF
	}
	it := s.items[s.i]
	s.i++
	if err, ok := it.(error); ok {
		return record.Row{}, err
	}
	return it.(record.Row), nil
}

func TestStreamKeepsOrder(t *testing.T) {
	var items []any
	for i := range 2000 {
		if i%97 == 0 {
			items = append(items, &record.RowError{Line: i + 2, Code: "field_count"})
			continue
		}
		items = append(items, record.Row{Line: i + 2, Values: []string{fmt.Sprint(i), "N", "", fmt.Sprintf("415555%04d", i), "", ""}})
	}
	var lines []int
	err := Stream(context.Background(), &sliceReader{items: items}, newPreparer(t, true), 4, nil, func(it Item) error {
		if it.Err != nil {
			lines = append(lines, it.Err.Line)
		} else {
			lines = append(lines, it.Prepared.Row.Line)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2000 || !slices.IsSorted(lines) {
		t.Fatalf("emitted %d items, sorted=%v", len(lines), slices.IsSorted(lines))
	}
}

func TestStreamStopsOnFatal(t *testing.T) {
	boom := errors.New("disk on fire")
	r := &sliceReader{items: []any{record.Row{Line: 2, Values: []string{"1", "A", "", "4155550123", "", ""}}, boom}}
	err := Stream(context.Background(), r, newPreparer(t, true), 2, nil, func(Item) error { return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("Stream = %v, want the source's fatal error", err)
	}
}

func TestStreamStops(t *testing.T) {
	var items []any
	for i := range 100_000 {
		items = append(items, record.Row{Line: i + 2, Values: []string{fmt.Sprint(i), "N", "", fmt.Sprintf("415555%04d", i%10000), "", ""}})
	}
	stopped := errors.New("emit says stop")
	tests := []struct {
		name string
		run  func(r record.Reader) error
		want error
	}{
		{"an emit error", func(r record.Reader) error {
			n := 0
			return Stream(context.Background(), r, newPreparer(t, true), 2, nil, func(Item) error {
				if n++; n == 10 {
					return stopped
				}
				return nil
			})
		}, stopped},
		{"a canceled context", func(r record.Reader) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			return Stream(ctx, r, newPreparer(t, true), 2, nil, func(Item) error {
				if n++; n == 10 {
					cancel()
				}
				return nil
			})
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &sliceReader{items: items}
			if err := tc.run(r); !errors.Is(err, tc.want) {
				t.Fatalf("Stream = %v, want %v", err, tc.want)
			}
			// Stream has returned, so the reader has too: reading r here
			// races with nothing, and it stopped long before the end.
			if r.i >= len(items)/2 {
				t.Fatalf("the reader went on to row %d of %d after the stop", r.i, len(items))
			}
		})
	}
}

func TestDeduper(t *testing.T) {
	mk := func(line int, key, phone string) Prepared {
		return Prepared{Row: record.Row{Line: line}, Contact: record.Contact{Key: key, Phone: phone}}
	}
	rows := []Prepared{
		mk(2, "a", "+1"), mk(3, "b", "+2"), mk(4, "a", "+3"), // key a twice
		mk(5, "c", "+2"), // phone of b under another key
		mk(6, "d", "+4"),
	}
	tests := []struct {
		mode     string
		wantKept []int
		wantDrop []int
	}{
		{DuplicatesFirst, []int{2, 3, 6}, []int{4, 5}},
		{DuplicatesLast, []int{4, 5, 6}, []int{2, 3}},
		{DuplicatesReject, []int{6}, []int{2, 3, 4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			d := NewDeduper(tc.mode)
			var kept, dropped []int
			collect := func(k []Prepared, dr []*record.RowError) {
				for _, p := range k {
					kept = append(kept, p.Row.Line)
				}
				for _, e := range dr {
					if e.Code != CodeDuplicate {
						t.Fatalf("drop code %q", e.Code)
					}
					dropped = append(dropped, e.Line)
				}
			}
			for _, r := range rows {
				collect(d.Add(r))
			}
			collect(d.Finish())
			slices.Sort(dropped)
			if !slices.Equal(kept, tc.wantKept) || !slices.Equal(dropped, tc.wantDrop) {
				t.Fatalf("kept %v dropped %v; want kept %v dropped %v", kept, dropped, tc.wantKept, tc.wantDrop)
			}
		})
	}
}

// fakeNoted is the fast path's memory: rows kept without preparation.
type fakeNoted map[string]struct {
	phone string
	line  int
}

func (f fakeNoted) NotedKey(key string) (int, bool) {
	r, ok := f[key]
	return r.line, ok
}

func (f fakeNoted) NotedPhone(phone, key string) (string, int, bool) {
	for k, r := range f {
		if r.phone == phone && k != key {
			return k, r.line, true
		}
	}
	return "", 0, false
}

func TestDeduperNoted(t *testing.T) {
	noted := fakeNoted{"x": {"+9", 2}, "y": {"+8", 3}}
	tests := []struct {
		name    string
		row     Prepared
		wantErr string
	}{
		{"new key, new phone", Prepared{Row: record.Row{Line: 10}, Contact: record.Contact{Key: "a", Phone: "+1"}}, ""},
		{"key of an unprepared row", Prepared{Row: record.Row{Line: 11}, Contact: record.Contact{Key: "x", Phone: "+7"}}, `same key "x" as line 2`},
		{"phone of an unprepared row", Prepared{Row: record.Row{Line: 12}, Contact: record.Contact{Key: "b", Phone: "+8"}}, `phone +8 is already on line 3 (key "y")`},
		{"phone of a prepared row", Prepared{Row: record.Row{Line: 13}, Contact: record.Contact{Key: "c", Phone: "+1"}}, `phone +1 is already on line 10 (key "a")`},
	}
	d := NewDeduperNoted(DuplicatesFirst, noted)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keep, drop := d.Add(tc.row)
			switch {
			case tc.wantErr == "" && (len(keep) != 1 || len(drop) != 0):
				t.Fatalf("kept %d, dropped %v; want it kept", len(keep), drop)
			case tc.wantErr != "" && (len(drop) != 1 || !strings.Contains(drop[0].Error(), tc.wantErr)):
				t.Fatalf("dropped %v; want %q", drop, tc.wantErr)
			}
		})
	}
}

func BenchmarkStream(b *testing.B) {
	p := newPreparer(b, true)
	var items []any
	for i := range 10000 {
		items = append(items, record.Row{Line: i + 2, Values: []string{fmt.Sprint(i), "Ada", "L", fmt.Sprintf("(415) 555-%04d", i), "", ""}})
	}
	for _, w := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			for b.Loop() {
				_ = Stream(context.Background(), &sliceReader{items: items}, p, w, nil, func(Item) error { return nil })
			}
			b.ReportMetric(float64(len(items)*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func TestStreamSkip(t *testing.T) {
	var items []any
	for i := range 1200 {
		items = append(items, record.Row{Line: i + 2, Values: []string{fmt.Sprint(i), "N", "", fmt.Sprintf("415555%04d", i), "", ""}})
	}
	var skippedLines, preparedLines []int
	// Maybe accepts every third row and one more in each ten; Take refuses
	// that extra one, which must then be prepared, in order.
	taken := func(line int) bool { return line%3 == 0 }
	var takes []int
	skip := &Skip{
		Hash: func(r record.Row) record.Hash { return record.Hash{byte(r.Line), byte(r.Line >> 8)} },
		Maybe: func(h record.Hash) bool {
			line := int(h[0]) | int(h[1])<<8
			return taken(line) || line%10 == 1
		},
		Take: func(r record.Row, h record.Hash) bool {
			if int(h[0])|int(h[1])<<8 != r.Line {
				t.Errorf("line %d: Take got the hash of another row", r.Line)
			}
			takes = append(takes, r.Line)
			return taken(r.Line)
		},
	}
	err := Stream(context.Background(), &sliceReader{items: items}, newPreparer(t, true), 3, skip, func(it Item) error {
		switch {
		case it.Skipped:
			skippedLines = append(skippedLines, it.Row.Line)
		case it.Err == nil:
			preparedLines = append(preparedLines, it.Prepared.Row.Line)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(skippedLines) != 400 || len(preparedLines) != 800 || !slices.IsSorted(skippedLines) || !slices.IsSorted(preparedLines) {
		t.Fatalf("skipped %d, prepared %d, in order %v %v", len(skippedLines), len(preparedLines), slices.IsSorted(skippedLines), slices.IsSorted(preparedLines))
	}
	if !slices.IsSorted(takes) || len(takes) != 400+120-40 {
		t.Fatalf("Take called %d times (in order: %v); want once for each of the %d rows Maybe accepted", len(takes), slices.IsSorted(takes), 400+120-40)
	}
}
