package pipeline

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/alexsync/alexsync/pkg/push"
	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/sim"
)

// TestWritesStampTheirRecordAsTheyLeave: creates and updates stamp their
// record right before the request leaves, and a stamp that cannot be
// written stops the run before anything is sent.
func TestWritesStampTheirRecordAsTheyLeave(t *testing.T) {
	errDisk := errors.New("disk full")
	tests := []struct {
		name      string
		stampErr  error
		wantSent  int
		wantFatal bool
	}{
		{"stamped, then sent", nil, 2, false},
		{"a failed stamp sends nothing and is fatal", errDisk, 0, true},
		{"a canceled stamp is no failure of the checkpoint", context.Canceled, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{})
			seed, err := h.client().CreateContact(t.Context(), contactInput("+14155550100", "Seed"))
			if err != nil {
				t.Fatal(err)
			}
			before := h.sim.Stats().TotalRequests
			var stamps []string
			a := apiAdapter{c: h.client(), sending: func(_ context.Context, key string) error {
				stamps = append(stamps, fmt.Sprintf("%s after %d", key, h.sim.Stats().TotalRequests-before))
				return tc.stampErr
			}}
			c := record.Contact{Key: "k1", Phone: "+14155550101", FirstName: "Ada"}
			_, cerr := a.Create(t.Context(), c)
			c.Key, c.FirstName = "k2", "Bea"
			_, uerr := a.Update(t.Context(), seed.ID, push.Patch{Contact: c, Fields: []string{"first_name"}})
			sent := h.sim.Stats().TotalRequests - before
			want := "[k1 after 0 k2 after 1]"
			if tc.stampErr != nil {
				want = "[k1 after 0 k2 after 0]"
			}
			if fmt.Sprint(stamps) != want || sent != tc.wantSent {
				t.Fatalf("stamps %v, %d sent; want %s, %d sent", stamps, sent, want, tc.wantSent)
			}
			for _, err := range []error{cerr, uerr} {
				if (tc.stampErr == nil) != (err == nil) || errors.Is(err, push.ErrFatal) != tc.wantFatal || !errors.Is(err, tc.stampErr) {
					t.Fatalf("error %v: want %v, fatal %v", err, tc.stampErr, tc.wantFatal)
				}
			}
		})
	}
}
