package quota

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
)

// ErrDayExhausted is matched by the error Day.Acquire returns when the
// day's allowance is spent.
var ErrDayExhausted = errors.New("daily request budget spent")

// Day is an in-memory per-day request budget that resets at 00:00 UTC (or
// every Length, for scaled-time tests and demos, aligned to the Unix
// epoch as the simulator's day is). The sync engine keeps the same
// accounting in its checkpoint so that it survives restarts and is shared
// between processes; Day is the single-process form.
type Day struct {
	limit  int
	length time.Duration
	clock  clock.Clock

	mu   sync.Mutex
	day  int64
	used int
}

// NewDay returns a budget of limit requests per day of length (24h when
// zero). limit <= 0 means unlimited.
func NewDay(limit int, length time.Duration, clk clock.Clock) *Day {
	if clk == nil {
		clk = clock.Real{}
	}
	if length <= 0 {
		length = 24 * time.Hour
	}
	return &Day{limit: limit, length: length, clock: clk}
}

// DayIndex returns which day t falls in for days of length (UTC days for
// 24h), and when that day ends.
func DayIndex(t time.Time, length time.Duration) (int64, time.Time) {
	idx := t.UnixNano() / int64(length)
	return idx, time.Unix(0, (idx+1)*int64(length)).UTC()
}

func (d *Day) roll() {
	if idx, _ := DayIndex(d.clock.Now(), d.length); idx != d.day {
		d.day, d.used = idx, 0
	}
}

// Acquire takes one request from today's budget. When it is spent it
// returns an error matching ErrDayExhausted that says when it resets.
func (d *Day) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.roll()
	if d.limit > 0 && d.used >= d.limit {
		_, end := DayIndex(d.clock.Now(), d.length)
		return fmt.Errorf("%w: %d of %d used, resets at %s", ErrDayExhausted, d.used, d.limit, end.Format(time.RFC3339))
	}
	d.used++
	return nil
}

// Release returns one request taken today that the server did not count.
func (d *Day) Release(context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.roll()
	if d.used > 0 {
		d.used--
	}
}

// Used returns the requests taken today.
func (d *Day) Used() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.roll()
	return d.used
}
