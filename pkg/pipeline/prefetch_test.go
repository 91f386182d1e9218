package pipeline

import (
	"context"
	"errors"
	"iter"
	"testing"
)

// counting yields 0..n-1, then failAt's error if failAt >= 0 (in place
// of the value failAt), and records whether it ran to its end.
func counting(n, failAt int, finished *bool) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range n {
			if i == failAt {
				yield(0, errors.New("boom"))
				return
			}
			if !yield(i, nil) {
				return
			}
		}
		*finished = true
	}
}

func TestPrefetch(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		failAt  int
		stopAt  int // the consumer stops after this many values; -1 never
		want    int // values seen
		wantErr bool
	}{
		{"empty", 0, -1, -1, 0, false},
		{"one", 1, -1, -1, 1, false},
		{"a batch exactly", 4096, -1, -1, 4096, false},
		{"several batches", 10_001, -1, -1, 10_001, false},
		{"an error after some values", 9000, 5000, -1, 5000, true},
		{"the consumer stops early", 50_000, -1, 4100, 4100, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			finished := false
			seen, gotErr := 0, false
			for v, err := range prefetch(context.Background(), counting(tc.n, tc.failAt, &finished)) {
				if err != nil {
					gotErr = true
					break
				}
				if v != seen {
					t.Fatalf("value %d at position %d: out of order", v, seen)
				}
				seen++
				if seen == tc.stopAt {
					break
				}
			}
			if seen != tc.want || gotErr != tc.wantErr {
				t.Fatalf("saw %d values, error %v; want %d, %v", seen, gotErr, tc.want, tc.wantErr)
			}
			if tc.stopAt > 0 && finished {
				t.Fatal("the producer ran to the end after the consumer stopped")
			}
		})
	}
}

func TestPrefetchCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := false
	seen, gotErr := 0, error(nil)
	for _, err := range prefetch(ctx, counting(1_000_000, -1, &finished)) {
		if err != nil {
			gotErr = err
			break
		}
		if seen++; seen == 10 {
			cancel()
		}
	}
	if !errors.Is(gotErr, context.Canceled) || finished {
		t.Fatalf("after %d values: error %v, producer finished %v; want it stopped with context.Canceled", seen, gotErr, finished)
	}
}
