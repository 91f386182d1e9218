package sql_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/alexsync/alexsync/pkg/sink"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
	sinksql "github.com/alexsync/alexsync/pkg/sink/sql"
)

// BenchmarkSink runs the shared benchmarks on SQLite.
func BenchmarkSink(b *testing.B) {
	sinktest.Bench(b, func(tb testing.TB, dir string) sink.Writer {
		w, err := sinksql.Open(context.Background(), "sqlite", filepath.Join(dir, "sink.db"))
		if err != nil {
			tb.Fatal(err)
		}
		return w
	})
}
