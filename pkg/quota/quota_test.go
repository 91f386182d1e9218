package quota

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
)

var t0 = time.Date(2026, 1, 15, 23, 59, 0, 0, time.UTC)

func TestWindowNeverExceedsRollingLimit(t *testing.T) {
	tests := []struct {
		name   string
		limit  int
		length time.Duration
		n      int
	}{
		{"60 per minute", 60, time.Minute, 250},
		{"5 per second (scaled)", 5, time.Second, 40},
		{"1 per minute", 1, time.Minute, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			w := NewWindow(tc.limit, tc.length, clk)
			var sent []time.Time
			for range tc.n {
				if err := w.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, clk.Now())
			}
			for i := tc.limit; i < len(sent); i++ {
				if gap := sent[i].Sub(sent[i-tc.limit]); gap <= tc.length {
					t.Fatalf("requests %d and %d are %s apart: %d requests within one window", i-tc.limit, i, gap, tc.limit+1)
				}
			}
			// Utilization: n requests take about (n/limit - 1) windows plus margins.
			minimum := time.Duration((tc.n-1)/tc.limit) * tc.length
			if took := sent[len(sent)-1].Sub(t0); took > minimum*103/100+tc.length/100*time.Duration(tc.n/tc.limit+1) {
				t.Fatalf("%d requests took %s, want about %s", tc.n, took, minimum)
			}
		})
	}
}

func TestWindowFirstBurstIsImmediate(t *testing.T) {
	clk := clock.NewFake(t0)
	w := NewWindow(60, time.Minute, clk)
	for range 60 {
		if err := w.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(clk.Slept()) != 0 {
		t.Fatalf("the first 60 requests waited %v", clk.Slept())
	}
}

func TestWindowBlockUntilAndCancel(t *testing.T) {
	clk := clock.NewFake(t0)
	w := NewWindow(10, time.Minute, clk)
	w.BlockUntil(t0.Add(30 * time.Second))
	if err := w.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := clk.Now(); !got.Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("Wait returned at %v, want the block's end", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.BlockUntil(clk.Now().Add(time.Hour))
	if err := w.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
}

func TestWindowUnlimited(t *testing.T) {
	w := NewWindow(0, time.Minute, nil)
	for range 1000 {
		if err := w.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDayBudget(t *testing.T) {
	clk := clock.NewFake(t0) // one minute before UTC midnight
	d := NewDay(3, 0, clk)
	ctx := context.Background()
	for i := range 3 {
		if err := d.Acquire(ctx); err != nil {
			t.Fatalf("Acquire %d: %v", i, err)
		}
	}
	err := d.Acquire(ctx)
	if !errors.Is(err, ErrDayExhausted) {
		t.Fatalf("Acquire past the budget = %v, want ErrDayExhausted", err)
	}
	d.Release(ctx)
	if err := d.Acquire(ctx); err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	clk.Advance(time.Minute) // 00:00 UTC: a new day
	if got := d.Used(); got != 0 {
		t.Fatalf("Used after midnight = %d, want 0", got)
	}
	if err := d.Acquire(ctx); err != nil {
		t.Fatalf("Acquire on the new day: %v", err)
	}
}

func TestDayIndex(t *testing.T) {
	idx, end := DayIndex(t0, 24*time.Hour)
	if want := time.Date(2026, 1, 16, 0, 0, 0, 0, time.UTC); !end.Equal(want) {
		t.Fatalf("day end = %v, want %v", end, want)
	}
	idx2, _ := DayIndex(t0.Add(time.Minute), 24*time.Hour)
	if idx2 != idx+1 {
		t.Fatalf("index after midnight = %d, want %d", idx2, idx+1)
	}
}

func TestWindowObserveRemaining(t *testing.T) {
	tests := []struct {
		name      string
		remaining int // the server's count after our 4 requests
		wantSent  int // requests Wait lets through at once afterwards
	}{
		{"alone: the server counted only ours", 6, 6},
		{"another client spent 4", 2, 2},
		{"another client spent the window", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			w := NewWindow(10, time.Minute, clk)
			for range 4 {
				if err := w.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			w.ObserveRemaining(10, tc.remaining, clk.Now())
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // Wait must not sleep: count what passes at once
			sent := 0
			for w.Wait(ctx) == nil && sent < 20 {
				sent++
			}
			if sent != tc.wantSent {
				t.Fatalf("%d requests passed, want %d", sent, tc.wantSent)
			}
		})
	}
}

func TestWindowExternalUseExpires(t *testing.T) {
	clk := clock.NewFake(t0)
	w := NewWindow(10, time.Minute, clk)
	w.ObserveRemaining(10, 0, clk.Now()) // another client spent everything
	clk.Advance(time.Minute + time.Second)
	w.ObserveRemaining(10, 10, clk.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sent := 0
	for w.Wait(ctx) == nil && sent < 20 {
		sent++
	}
	if sent != 10 {
		t.Fatalf("%d requests passed after the other client's use expired, want 10", sent)
	}
}

func TestWindowMemoryDoesNotGrowWithTheLimit(t *testing.T) {
	clk := clock.NewFake(t0)
	w := NewWindow(1_000_000_000, time.Minute, clk)
	for range 1000 {
		if err := w.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	if n := len(w.sent); n > 62 {
		t.Fatalf("%d send times held; want only those of the last minute", n)
	}
}
