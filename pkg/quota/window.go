// Package quota paces requests to a rolling per-minute limit and keeps a
// per-day request budget.
package quota

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
)

// Window is a rolling-window limiter: at most Limit requests in any span
// of Length. It mirrors the server's own accounting exactly, which a token
// bucket cannot: a bucket with a burst either exceeds a rolling window at
// the start (burst plus refill) or, with a burst of one, spreads the first
// requests out and wastes the window. A Window sends the first Limit
// requests at once and then one each time the oldest leaves the window.
//
// Margin is added to every wait to absorb latency differences between
// when this process stamps a request and when the server does (default:
// 1% of Length).
type Window struct {
	limit  int
	length time.Duration
	margin time.Duration
	clock  clock.Clock

	mu    sync.Mutex
	sent  []time.Time // ring buffer of the last limit send times
	next  int         // index of the oldest entry once full
	full  bool
	block time.Time // the server said the window is spent until then
}

// NewWindow returns a limiter for limit requests per length. A limit <= 0
// means no limit (Wait returns at once).
func NewWindow(limit int, length time.Duration, clk clock.Clock) *Window {
	if clk == nil {
		clk = clock.Real{}
	}
	w := &Window{limit: limit, length: length, margin: length / 100, clock: clk}
	if limit > 0 {
		w.sent = make([]time.Time, limit)
	}
	return w
}

// Limit returns the requests allowed per window.
func (w *Window) Limit() int { return w.limit }

// Wait blocks until one more request fits in the window, then records it.
// It returns ctx.Err() if ctx is done first; the slot is then not taken.
func (w *Window) Wait(ctx context.Context) error {
	if w.limit <= 0 {
		return ctx.Err()
	}
	for {
		w.mu.Lock()
		now := w.clock.Now()
		var wake time.Time
		if now.Before(w.block) {
			wake = w.block
		} else if w.full {
			if oldest := w.sent[w.next]; now.Before(oldest.Add(w.length + w.margin)) {
				wake = oldest.Add(w.length + w.margin)
			}
		}
		if wake.IsZero() {
			w.sent[w.next] = now
			w.next = (w.next + 1) % w.limit
			w.full = w.full || w.next == 0
			w.mu.Unlock()
			return nil
		}
		w.mu.Unlock()
		if err := w.clock.Sleep(ctx, wake.Sub(now)); err != nil {
			return err
		}
	}
}

// BlockUntil makes Wait hold every request until t, for when the server
// reports the window spent (another client shares the key).
func (w *Window) BlockUntil(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.After(w.block) {
		w.block = t
	}
}

// String describes the limit, e.g. "60/1m0s".
func (w *Window) String() string { return fmt.Sprintf("%d/%s", w.limit, w.length) }
