// Package quota paces requests to a rolling per-minute limit and keeps a
// per-day request budget.
package quota

import (
	"context"
	"fmt"
	"sort"
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

	mu sync.Mutex
	// sent holds this Window's send times still inside the window (plus
	// margin), oldest first. It grows with the requests actually sent in
	// one window, never with the limit, so a huge limit costs nothing.
	sent  []time.Time
	block time.Time // the server said the window is spent until then

	// external is how many requests of the server's window were sent by
	// someone else on the key (as last observed), until externalUntil.
	external      int
	externalUntil time.Time
}

// NewWindow returns a limiter for limit requests per length. A limit <= 0
// means no limit (Wait returns at once).
func NewWindow(limit int, length time.Duration, clk clock.Clock) *Window {
	if clk == nil {
		clk = clock.Real{}
	}
	return &Window{limit: limit, length: length, margin: length / 100, clock: clk}
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
		w.pruneLocked(now)
		wake := w.wakeLocked(now)
		if wake.IsZero() {
			w.sent = append(w.sent, now)
			w.mu.Unlock()
			return nil
		}
		w.mu.Unlock()
		if err := w.clock.Sleep(ctx, wake.Sub(now)); err != nil {
			return err
		}
	}
}

// wakeLocked returns when one more request fits, or zero if it fits now.
// The room is the limit less the requests others spent (while that
// observation lasts); a request leaves the window Length+margin after it
// was sent.
func (w *Window) wakeLocked(now time.Time) time.Time {
	if now.Before(w.block) {
		return w.block
	}
	room := w.limit
	if now.Before(w.externalUntil) {
		room = max(w.limit-w.external, 1)
	}
	if len(w.sent) < room {
		return time.Time{}
	}
	// The oldest len(sent)-room+1 requests must leave first.
	return w.sent[len(w.sent)-room].Add(w.length + w.margin)
}

// pruneLocked drops the send times that left the window (plus margin).
func (w *Window) pruneLocked(now time.Time) {
	cutoff := now.Add(-(w.length + w.margin))
	i := sort.Search(len(w.sent), func(i int) bool { return w.sent[i].After(cutoff) })
	if i == 0 {
		return
	}
	w.sent = w.sent[i:]
	if cap(w.sent) > 64 && len(w.sent) < cap(w.sent)/4 {
		w.sent = append([]time.Time(nil), w.sent...) // give back the dropped head
	}
}

// ownSince counts this Window's send times after t.
func (w *Window) ownSince(t time.Time) int {
	return len(w.sent) - sort.Search(len(w.sent), func(i int) bool { return w.sent[i].After(t) })
}

// ObserveRemaining takes the server's count of the rolling window, as a
// response received at at reported it: remaining of limit requests left.
// What the server counted beyond this Window's own requests was spent by
// another client on the same key; Wait leaves that much room for it for
// one window Length. The estimate errs low (requests of ours the server
// has not yet counted hide some of the other client's), so it never holds
// requests the server would take.
func (w *Window) ObserveRemaining(limit, remaining int, at time.Time) {
	if w.limit <= 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	own := w.ownSince(at.Add(-w.length))
	if ext := limit - remaining - own; ext > 0 {
		w.external, w.externalUntil = min(ext, w.limit), at.Add(w.length)
	} else if !at.Before(w.externalUntil.Add(-w.length)) {
		w.external, w.externalUntil = 0, time.Time{}
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
