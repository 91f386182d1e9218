package pipeline

import (
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/sim"
)

func TestDeleteModes(t *testing.T) {
	tests := []struct {
		name        string
		extra       string
		yes         bool
		keep        int // rows left in the source of 10
		wantExit    Outcome
		wantDeleted int
		wantRemote  int
		wantDNC     int
		wantStopped string
	}{
		{"off keeps the gone contacts", "deletes: {mode: off}\n", false, 8, OutcomeOK, 0, 10, 0, ""},
		{"delete removes them", "deletes: {mode: delete, max: 5}\n", false, 8, OutcomeOK, 2, 8, 0, ""},
		{"dnc marks them", "deletes: {mode: dnc, max: 5}\n", false, 8, OutcomeOK, 2, 10, 2, ""},
		{"above the cap nothing is sent", "deletes: {mode: delete, max: 2}\nguards: {max_change_ratio: 1}\n", false, 6, OutcomeGuard, 0, 10, 0, "more than deletes.max 2"},
		{"--yes allows above the cap", "deletes: {mode: delete, max: 2}\nguards: {max_change_ratio: 1}\n", true, 6, OutcomeOK, 4, 6, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{})
			h.writeCSV(rows(10))
			p := h.pipeline(tc.extra)
			h.run(p, nil)
			h.writeCSV(rows(tc.keep))
			before := h.sim.Stats().TotalRequests
			sum := h.run(p, func(o *RunOptions) { o.Yes = tc.yes })
			if sum.ExitCode != tc.wantExit || sum.Counts.Deleted != tc.wantDeleted || !strings.Contains(sum.Stopped, tc.wantStopped) {
				t.Fatalf("exit %d deleted %d stopped %q; want exit %d deleted %d", sum.ExitCode, sum.Counts.Deleted, sum.Stopped, tc.wantExit, tc.wantDeleted)
			}
			if tc.wantExit == OutcomeGuard && h.sim.Stats().TotalRequests != before {
				t.Fatal("a tripped guard must send nothing")
			}
			remote := h.remote()
			dnc := 0
			for _, c := range remote {
				if c.Status == "dnc" {
					dnc++
				}
			}
			if len(remote) != tc.wantRemote || dnc != tc.wantDNC {
				t.Fatalf("%d remote contacts (%d dnc), want %d (%d dnc)", len(remote), dnc, tc.wantRemote, tc.wantDNC)
			}
		})
	}
}

func TestDeletesNeverTouchForeignContacts(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(4))
	p := h.pipeline("deletes: {mode: delete}\nguards: {max_change_ratio: 1}\n")
	h.run(p, nil)
	// A contact alexsync did not create: never a delete candidate.
	c := h.client()
	if _, err := c.CreateContact(t.Context(), contactInput("+14155559999", "Foreign")); err != nil {
		t.Fatal(err)
	}
	h.writeCSV(rows(3))
	sum := h.run(p, nil)
	if sum.Counts.Deleted != 1 || len(h.remote()) != 4 {
		t.Fatalf("deleted %d, %d remote: want only alexsync's own gone contact deleted", sum.Counts.Deleted, len(h.remote()))
	}
}

func TestGuards(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		prep  func(h *harness) // after the first, clean run
		want  string
	}{
		{"reject ratio", "", func(h *harness) {
			r := rows(10)
			for i := range 5 {
				r[i][1] = ""
			}
			h.writeCSV(r)
		}, "max_reject_ratio"},
		{"change ratio", "", func(h *harness) {
			r := rows(10)
			for i := range 6 {
				r[i][2] = "Changed"
			}
			h.writeCSV(r)
		}, "max_change_ratio"},
		{"deletes count as changes when on", "deletes: {mode: delete, max: 100}\n", func(h *harness) { h.writeCSV(rows(4)) }, "max_change_ratio"},
		{"min rows", "guards: {min_rows: 8}\n", func(h *harness) { h.writeCSV(rows(7)) }, "fewer than guards.min_rows 8"},
		{"empty source", "", func(h *harness) { h.writeCSV(nil) }, "the source is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{})
			h.writeCSV(rows(10))
			p := h.pipeline(tc.extra)
			if first := h.run(p, nil); first.ExitCode != OutcomeOK {
				t.Fatalf("first run exit %d", first.ExitCode)
			}
			tc.prep(h)
			before := h.sim.Stats().TotalRequests
			sum := h.run(p, nil)
			if sum.ExitCode != OutcomeGuard || !strings.Contains(sum.Stopped, tc.want) {
				t.Fatalf("exit %d stopped %q; want a guard naming %q", sum.ExitCode, sum.Stopped, tc.want)
			}
			if h.sim.Stats().TotalRequests != before {
				t.Fatalf("%d requests sent after a guard tripped", h.sim.Stats().TotalRequests-before)
			}
		})
	}
}
