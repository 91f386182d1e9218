package prepare

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/alexsync/alexsync/pkg/record"
)

// Item is one row's outcome, in source order: Prepared, or Err (a row
// error from the source or from preparation), or Skipped (the Skip took
// the row, which was not prepared; Row holds it).
type Item struct {
	Prepared Prepared
	Err      *record.RowError
	Skipped  bool
	Row      record.Row
}

// Skip is a fast path around preparation: rows whose fingerprint shows
// them unchanged are emitted as Skipped without being prepared. Hash and
// Maybe run on the worker goroutines, so that the reading goroutine only
// reads; Take decides, in source order.
type Skip struct {
	// Hash returns the row's fingerprint. It is called concurrently.
	Hash func(record.Row) record.Hash
	// Maybe reports whether a row with this fingerprint may be taken. It
	// is called concurrently, also with Take, so it must only read what
	// Take does not write. A row it refuses is prepared at once.
	Maybe func(record.Hash) bool
	// Take decides whether the row is skipped. It is called on the
	// caller's goroutine, in source order, for the rows Maybe accepted; a
	// row it refuses is prepared then (that costs the caller's goroutine,
	// so Maybe should rarely be wrong).
	Take func(record.Row, record.Hash) bool
}

// batchSize is how many rows one worker prepares at a time: large enough
// that handing batches around costs nothing next to preparing them, small
// enough that memory stays flat.
const batchSize = 512

// batch is a run of consecutive rows and, once done is closed, their items.
type batch struct {
	rows   []record.Row
	srcErr []*record.RowError // source row errors, by position in rows (nil for good rows)
	maybe  []bool             // rows Skip.Maybe accepted, by position (not prepared)
	hashes []record.Hash      // their fingerprints, by position
	items  []Item
	done   chan struct{}
}

// Stream reads r to the end, prepares rows on workers goroutines, and
// calls emit for every row in source order. With skip, rows it takes are
// emitted as Skipped without being prepared (the sync engine's "raw row
// unchanged" fast path). emit and skip.Take are called on the caller's
// goroutine, never concurrently, in source order. Row errors are items,
// not failures; Stream returns the first fatal error (from the source,
// ctx or emit).
//
// A goroutine reads, the workers fingerprint and prepare, and the
// caller's goroutine emits, all at once: no core waits for a whole batch
// to be read or emitted. The source is read only by that goroutine, which
// has returned when Stream does. At most 2*workers+2 batches of rows are
// held at a time.
func Stream(ctx context.Context, r record.Reader, p *Preparer, workers int, skip *Skip, emit func(Item) error) error {
	workers = max(workers, 1)
	depth := 2 * workers // batches in flight: every worker has the next one queued
	jobs := make(chan *batch, depth)
	order := make(chan *batch, depth) // the same batches, in source order
	free := make(chan *batch, depth+2)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				prepareBatch(ctx, p, skip, b)
				close(b.done)
			}
		})
	}
	// The reader has a goroutine of its own, so that reading overlaps
	// emitting as well as preparing.
	var readErr error
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(jobs)
		defer close(order)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if ctx.Err() != nil {
				return
			}
			var b *batch
			select {
			case b = <-free:
			default:
				b = &batch{rows: make([]record.Row, 0, batchSize), items: make([]Item, batchSize)}
			}
			eof, err := readBatch(r, b)
			if err != nil {
				readErr = err
				return
			}
			if len(b.rows) > 0 {
				b.done = make(chan struct{})
				select {
				case order <- b:
				case <-stop:
					return
				}
				jobs <- b // workers always drain jobs: this wait is bounded
			}
			if eof {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range order { // let a reader blocked on order see stop
		}
		<-readerDone
		wg.Wait()
	}()
	for b := range order {
		<-b.done
		if err := ctx.Err(); err != nil {
			return err // the batch may be partly prepared
		}
		for i := range b.rows {
			if i < len(b.maybe) && b.maybe[i] {
				if skip.Take(b.rows[i], b.hashes[i]) {
					b.items[i] = Item{Skipped: true, Row: b.rows[i]}
				} else {
					b.items[i] = prepareRow(p, b.rows[i])
				}
			}
			if err := emit(b.items[i]); err != nil {
				return err
			}
		}
		select {
		case free <- b:
		default:
		}
	}
	<-readerDone
	if readErr != nil {
		return readErr
	}
	return ctx.Err()
}

// readBatch fills b with up to batchSize rows. It reports whether the
// source is at its end; a non-row error is fatal.
func readBatch(r record.Reader, b *batch) (eof bool, err error) {
	b.rows, b.srcErr = b.rows[:0], b.srcErr[:0]
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
// keep it, and rows skip.Maybe accepts are left for Take (b.maybe). It
// stops early when ctx is done (Stream then returns ctx.Err()).
func prepareBatch(ctx context.Context, p *Preparer, skip *Skip, b *batch) {
	b.maybe, b.hashes = b.maybe[:0], b.hashes[:0]
	for i := range b.rows {
		if i%64 == 0 && ctx.Err() != nil {
			return
		}
		if i < len(b.srcErr) && b.srcErr[i] != nil {
			b.items[i] = Item{Err: b.srcErr[i]}
			continue
		}
		if skip != nil {
			h := skip.Hash(b.rows[i])
			if skip.Maybe(h) {
				b.maybe = padBool(b.maybe, i)
				b.maybe = append(b.maybe, true)
				for len(b.hashes) < i {
					b.hashes = append(b.hashes, record.Hash{})
				}
				b.hashes = append(b.hashes, h)
				continue
			}
		}
		b.items[i] = prepareRow(p, b.rows[i])
	}
}

// prepareRow prepares one good row.
func prepareRow(p *Preparer, row record.Row) Item {
	prep, rerr := p.Prepare(row)
	return Item{Prepared: prep, Err: rerr}
}
