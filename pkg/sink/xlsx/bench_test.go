package xlsx_test

import (
	"path/filepath"
	"testing"

	"github.com/alexsync/alexsync/pkg/sink"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
	sinkxlsx "github.com/alexsync/alexsync/pkg/sink/xlsx"
)

func BenchmarkSink(b *testing.B) {
	sinktest.Bench(b, func(tb testing.TB, dir string) sink.Writer {
		w, err := sinkxlsx.Open(filepath.Join(dir, "calls.xlsx"))
		if err != nil {
			tb.Fatal(err)
		}
		return w
	})
}
