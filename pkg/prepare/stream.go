package prepare

import (
	"context"
	"errors"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/alexsync/alexsync/pkg/record"
)

// Item is one row's outcome, in source order: Prepared, or Err (a row
// error from the source or from preparation), or Skipped (the skip
// function took the row, which was not prepared; Row holds it).
type Item struct {
	Prepared Prepared
	Err      *record.RowError
	Skipped  bool
	Row      record.Row
}

// batchSize is how many rows are prepared in parallel between two
// in-order emits: large enough to keep every core busy, small enough that
// memory stays flat.
const batchSize = 512

// Stream reads r to the end, prepares rows on workers goroutines, and
// calls emit for every row in source order. skip, if not nil, is called
// for each good row in source order, before any preparation; a row it
// takes is emitted as Skipped without being prepared (the sync engine's
// "raw row unchanged" fast path). Row errors are items, not failures;
// Stream returns the first fatal error (from the source, ctx or emit).
func Stream(ctx context.Context, r record.Reader, p *Preparer, workers int, skip func(record.Row) bool, emit func(Item) error) error {
	workers = max(workers, 1)
	rows := make([]record.Row, 0, batchSize)
	items := make([]Item, batchSize)
	for {
		rows = rows[:0]
		var srcErr []*record.RowError // source row errors, by position in rows (nil for good rows)
		var skipped []bool            // rows taken by skip, by position
		eof := false
		for len(rows) < batchSize {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				re, ok := record.AsRowError(err)
				if !ok {
					return err
				}
				srcErr = pad(srcErr, len(rows))
				srcErr = append(srcErr, re)
				rows = append(rows, record.Row{Line: re.Line})
				continue
			}
			if skip != nil && skip(row) {
				skipped = padBool(skipped, len(rows))
				skipped = append(skipped, true)
			}
			rows = append(rows, row)
		}
		if err := prepareBatch(ctx, p, workers, rows, srcErr, skipped, items); err != nil {
			return err
		}
		for i := range rows {
			if err := emit(items[i]); err != nil {
				return err
			}
		}
		if eof {
			return nil
		}
	}
}

func padBool(s []bool, n int) []bool {
	for len(s) < n {
		s = append(s, false)
	}
	return s
}

func pad(s []*record.RowError, n int) []*record.RowError {
	for len(s) < n {
		s = append(s, nil)
	}
	return s
}

// prepareBatch fills items[i] for rows[i]; rows with a source error keep it.
func prepareBatch(ctx context.Context, p *Preparer, workers int, rows []record.Row, srcErr []*record.RowError, skipped []bool, items []Item) error {
	g, ctx := errgroup.WithContext(ctx)
	chunk := (len(rows) + workers - 1) / workers
	for w := 0; w < workers && w*chunk < len(rows); w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(rows))
		g.Go(func() error {
			for i := lo; i < hi; i++ {
				if i < len(srcErr) && srcErr[i] != nil {
					items[i] = Item{Err: srcErr[i]}
					continue
				}
				if i < len(skipped) && skipped[i] {
					items[i] = Item{Skipped: true, Row: rows[i]}
					continue
				}
				prep, rerr := p.Prepare(rows[i])
				items[i] = Item{Prepared: prep, Err: rerr}
			}
			return ctx.Err()
		})
	}
	return g.Wait()
}
