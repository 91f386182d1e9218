package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRealSleepCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Real{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestRealSleepZero(t *testing.T) {
	if err := (Real{}).Sleep(context.Background(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v", err)
	}
}

func TestFake(t *testing.T) {
	start := time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC)
	f := NewFake(start)
	if err := f.Sleep(context.Background(), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Hour)
	if got, want := f.Now(), start.Add(time.Hour+90*time.Second); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
	if got := f.Slept(); len(got) != 1 || got[0] != 90*time.Second {
		t.Fatalf("Slept = %v, want [1m30s]", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.Sleep(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context = %v", err)
	}
	if len(f.Slept()) != 1 {
		t.Fatal("a cancelled Sleep must not advance the clock")
	}
}
