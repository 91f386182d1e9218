package csv_test

import (
	"path/filepath"
	"testing"

	"github.com/alexsync/alexsync/pkg/sink"
	sinkcsv "github.com/alexsync/alexsync/pkg/sink/csv"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
)

func BenchmarkSink(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts sinkcsv.Options
	}{
		{"plain", sinkcsv.Options{}},
		{"excel", sinkcsv.Options{Excel: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			sinktest.Bench(b, func(tb testing.TB, dir string) sink.Writer {
				w, err := sinkcsv.Open(filepath.Join(dir, "calls.csv"), tc.opts)
				if err != nil {
					tb.Fatal(err)
				}
				return w
			})
		})
	}
}
