package phone

import "testing"

// benchInputs is a realistic mix for a US file: mostly clean national
// numbers, some international, some spreadsheet damage, some garbage.
var benchInputs = []struct{ raw, region string }{
	{"(201) 555-0123", ""},
	{"201-555-0124", ""},
	{"2015550125", ""},
	{"1 (415) 555-0126", ""},
	{"+1 212 555 0127", ""},
	{"+44 7400 123456", ""},
	{"07400 123456", "GB"},
	{"030 123456", "Germany"},
	{"+33 6 12 34 56 78", ""},
	{"+91 81234 56789", ""},
	{"1.2015550128E+10", ""},
	{"12015550129.0", ""},
	{"447400123457", ""},
	{"0044 7400 123458", ""},
	{"201-555-0130 x12", ""},
	{"n/a", ""},
	{"", ""},
	{"555-1234", ""},
	{"5551234567", ""},
	{"call me", ""},
}

func BenchmarkNormalize(b *testing.B) {
	n, err := New(Options{DefaultRegion: "US"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		in := benchInputs[i%len(benchInputs)]
		n.Normalize(in.raw, in.region)
		i++
	}
}

func BenchmarkNormalizeParallel(b *testing.B) {
	n, err := New(Options{DefaultRegion: "US"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			in := benchInputs[i%len(benchInputs)]
			n.Normalize(in.raw, in.region)
			i++
		}
	})
}

// BenchmarkNormalizeKinds breaks the mix down, to show where time goes.
func BenchmarkNormalizeKinds(b *testing.B) {
	kinds := []struct{ name, raw, region string }{
		{"us_national", "(201) 555-0123", ""},
		{"international", "+44 7400 123456", ""},
		{"row_region_name", "030 123456", "Germany"},
		{"scientific_notation", "1.2015550128E+10", ""},
		{"missing_plus_two_parses", "447400123457", ""},
		{"invalid_two_parses", "5551234567", ""},
		{"placeholder_no_parse", "n/a", ""},
	}
	n, err := New(Options{DefaultRegion: "US"})
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n.Normalize(k.raw, k.region)
			}
		})
	}
}
