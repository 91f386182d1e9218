package checkpoint

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// op is one queued write. apply runs inside the batch's transaction and
// must be safe to run again: a busy batch is rolled back and retried.
// It returns database errors only; logical outcomes go into variables it
// captures, read by the caller after done.
type op struct {
	apply func(tx *gorm.DB) error // nil for a flush
	done  chan error              // nil for an asynchronous write
	flush bool                    // commit now instead of lingering
}

// errContended is returned by an op that saw another process change a row
// between two of its statements; the writer retries the batch as if the
// database had reported it busy.
var errContended = errors.New("checkpoint row changed concurrently")

// writer is the single goroutine that owns every write of a Store.
type writer struct {
	db      *gorm.DB
	isBusy  func(error) bool
	opts    Options
	in      chan *op
	quit    chan struct{}
	stopped chan struct{}

	mu     sync.RWMutex // held for reading while queuing, for writing by close
	closed bool

	err      atomic.Pointer[WriteError]
	failNext atomic.Pointer[error] // test hook: fail the next commit

	statsMu sync.Mutex
	stats   Stats
}

func newWriter(db *gorm.DB, opts Options, isBusy func(error) bool) *writer {
	w := &writer{
		db: db, isBusy: isBusy, opts: opts,
		in: make(chan *op, opts.QueueSize), quit: make(chan struct{}), stopped: make(chan struct{}),
	}
	go w.run()
	return w
}

// enqueue queues o, waiting for room until ctx is done.
func (w *writer) enqueue(ctx context.Context, o *op) error {
	if err := w.stickyErr(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.in <- o:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do queues apply and waits until its transaction committed. The writer
// answers every queued op, so only ctx can cut the wait short.
func (w *writer) do(ctx context.Context, apply func(tx *gorm.DB) error) error {
	o := &op{apply: apply, done: make(chan error, 1)}
	if err := w.enqueue(ctx, o); err != nil {
		return err
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// async queues apply without waiting for the commit.
func (w *writer) async(ctx context.Context, apply func(tx *gorm.DB) error) error {
	return w.enqueue(ctx, &op{apply: apply})
}

// flush waits until everything queued before it is committed.
func (w *writer) flush(ctx context.Context) error {
	o := &op{flush: true, done: make(chan error, 1)}
	if err := w.enqueue(ctx, o); err != nil {
		return err
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops queuing, lets the writer commit what is queued and waits for
// it. It reports false when already closed.
func (w *writer) close() bool {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false
	}
	w.closed = true
	w.mu.Unlock()
	close(w.quit)
	<-w.stopped
	return true
}

func (w *writer) isClosed() bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.closed
}

func (w *writer) stickyErr() error {
	if e := w.err.Load(); e != nil {
		return e
	}
	return nil
}

func (w *writer) run() {
	defer close(w.stopped)
	for {
		select {
		case o := <-w.in:
			w.commit(w.collect(o))
		case <-w.quit:
			// Nothing can be queued any more: commit what is left.
			for {
				select {
				case o := <-w.in:
					w.commit(w.drain([]*op{o}))
				default:
					return
				}
			}
		}
	}
}

// collect gathers a batch after first: up to BatchSize ops, lingering up to
// BatchWait for more unless a flush asks to commit now. The linger is a
// real timer on purpose: it batches I/O and is not part of the business
// time that Options.Clock models.
func (w *writer) collect(first *op) []*op {
	batch := []*op{first}
	if first.flush || w.opts.BatchWait < 0 {
		return w.drain(batch)
	}
	timer := time.NewTimer(w.opts.BatchWait)
	defer timer.Stop()
	for len(batch) < w.opts.BatchSize {
		select {
		case o := <-w.in:
			batch = append(batch, o)
			if o.flush {
				return w.drain(batch)
			}
		case <-timer.C:
			return batch
		case <-w.quit:
			return w.drain(batch)
		}
	}
	return batch
}

// drain adds the ops already queued, up to BatchSize, without waiting.
func (w *writer) drain(batch []*op) []*op {
	for len(batch) < w.opts.BatchSize {
		select {
		case o := <-w.in:
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// commit applies batch in one transaction and answers its waiters. A
// failure becomes the sticky error.
func (w *writer) commit(batch []*op) {
	var err error
	if sticky := w.err.Load(); sticky != nil {
		err = sticky
	} else if cause := w.apply(batch); cause != nil {
		werr := &WriteError{Err: cause}
		w.err.CompareAndSwap(nil, werr)
		err = w.err.Load()
	}
	w.statsMu.Lock()
	w.stats.Ops += int64(len(batch))
	w.stats.MaxBatch = max(w.stats.MaxBatch, len(batch))
	w.statsMu.Unlock()
	for _, o := range batch {
		if o.done != nil {
			o.done <- err
		}
	}
}

// apply runs the batch in a transaction, retrying while the database is
// busy (another process holds the write lock past the busy timeout). The
// retries are bounded by BusyRetries and not by a context, because the
// ops' callers may already have gone and their writes must still land.
func (w *writer) apply(batch []*op) error {
	for attempt := 0; ; attempt++ {
		w.statsMu.Lock()
		w.stats.Batches++
		w.statsMu.Unlock()
		err := w.db.Transaction(func(tx *gorm.DB) error {
			for _, o := range batch {
				if o.apply == nil {
					continue
				}
				if err := o.apply(tx); err != nil {
					return err
				}
			}
			if injected := w.failNext.Swap(nil); injected != nil {
				return *injected
			}
			return nil
		})
		busy := w.isBusy(err) || errors.Is(err, errContended)
		if err == nil || !busy || attempt >= w.opts.BusyRetries {
			return err
		}
		w.statsMu.Lock()
		w.stats.Retries++
		w.statsMu.Unlock()
		backoff := min(10*time.Millisecond<<attempt, time.Second)
		_ = w.opts.Clock.Sleep(context.Background(), backoff)
	}
}

func (w *writer) statsNow() Stats {
	w.statsMu.Lock()
	defer w.statsMu.Unlock()
	return w.stats
}
