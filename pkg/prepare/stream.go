package prepare

import (
	"context"
	"errors"
	"io"
	"sync"

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

// batchSize is how many rows one worker prepares at a time: large enough
// that handing batches around costs nothing next to preparing them, small
// enough that memory stays flat.
const batchSize = 512

// batch is a run of consecutive rows and, once done is closed, their items.
type batch struct {
	rows    []record.Row
	srcErr  []*record.RowError // source row errors, by position in rows (nil for good rows)
	skipped []bool             // rows taken by skip, by position
	items   []Item
	done    chan struct{}
}

// Stream reads r to the end, prepares rows on workers goroutines, and
// calls emit for every row in source order. skip, if not nil, is called
// for each good row in source order, before any preparation; a row it
// takes is emitted as Skipped without being prepared (the sync engine's
// "raw row unchanged" fast path). skip and emit are called on the caller's
// goroutine, never concurrently; skip may run up to 2*workers batches of
// rows ahead of emit. Row errors are items, not failures; Stream returns
// the first fatal error (from the source, ctx or emit).
//
// The caller's goroutine reads and emits while the workers prepare, so
// reading overlaps preparation and no core waits for a whole batch to be
// read or emitted.
func Stream(ctx context.Context, r record.Reader, p *Preparer, workers int, skip func(record.Row) bool, emit func(Item) error) error {
	workers = max(workers, 1)
	depth := 2 * workers // batches in flight: every worker has the next one queued
	jobs := make(chan *batch, depth)
	free := make(chan *batch, depth+1)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				prepareBatch(ctx, p, b)
				close(b.done)
			}
		})
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	var pending []*batch // FIFO of dispatched batches
	flush := func(b *batch) error {
		<-b.done
		if err := ctx.Err(); err != nil {
			return err // the batch may be partly prepared
		}
		for i := range b.rows {
			if err := emit(b.items[i]); err != nil {
				return err
			}
		}
		select {
		case free <- b:
		default:
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var b *batch
		select {
		case b = <-free:
		default:
			b = &batch{rows: make([]record.Row, 0, batchSize), items: make([]Item, batchSize)}
		}
		eof, err := readBatch(r, skip, b)
		if err != nil {
			return err
		}
		if len(b.rows) > 0 {
			b.done = make(chan struct{})
			jobs <- b // never blocks: at most depth batches are pending
			pending = append(pending, b)
		}
		// Emit every finished batch at the head; wait only when the
		// pipeline is full or the source is done.
		for len(pending) > 0 && (eof || len(pending) >= depth || isDone(pending[0])) {
			if err := flush(pending[0]); err != nil {
				return err
			}
			pending = pending[1:]
		}
		if eof {
			return ctx.Err()
		}
	}
}

func isDone(b *batch) bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// readBatch fills b with up to batchSize rows, calling skip on good rows.
// It reports whether the source is at its end; a non-row error is fatal.
func readBatch(r record.Reader, skip func(record.Row) bool, b *batch) (eof bool, err error) {
	b.rows, b.srcErr, b.skipped = b.rows[:0], b.srcErr[:0], b.skipped[:0]
	for len(b.rows) < batchSize {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			re, ok := record.AsRowError(err)
			if !ok {
				return false, err
			}
			b.srcErr = pad(b.srcErr, len(b.rows))
			b.srcErr = append(b.srcErr, re)
			b.rows = append(b.rows, record.Row{Line: re.Line})
			continue
		}
		if skip != nil && skip(row) {
			b.skipped = padBool(b.skipped, len(b.rows))
			b.skipped = append(b.skipped, true)
		}
		b.rows = append(b.rows, row)
	}
	return false, nil
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

// prepareBatch fills b.items[i] for b.rows[i]; rows with a source error
// keep it. It stops early when ctx is done (Stream then returns ctx.Err()).
func prepareBatch(ctx context.Context, p *Preparer, b *batch) {
	for i := range b.rows {
		if i%64 == 0 && ctx.Err() != nil {
			return
		}
		switch {
		case i < len(b.srcErr) && b.srcErr[i] != nil:
			b.items[i] = Item{Err: b.srcErr[i]}
		case i < len(b.skipped) && b.skipped[i]:
			b.items[i] = Item{Skipped: true, Row: b.rows[i]}
		default:
			prep, rerr := p.Prepare(b.rows[i])
			b.items[i] = Item{Prepared: prep, Err: rerr}
		}
	}
}
