package pipeline

import (
	"context"
	"errors"
	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/config"
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
		{"dnc marks them", "deletes: {mode: dnc, max: 5}\n", false, 8, OutcomeOK, 0, 10, 2, ""},
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
			if sum.ExitCode != tc.wantExit || sum.Counts.Deleted != tc.wantDeleted || sum.Counts.DNC != tc.wantDNC || !strings.Contains(sum.Stopped, tc.wantStopped) {
				t.Fatalf("exit %d deleted %d dnc %d stopped %q; want exit %d deleted %d dnc %d",
					sum.ExitCode, sum.Counts.Deleted, sum.Counts.DNC, sum.Stopped, tc.wantExit, tc.wantDeleted, tc.wantDNC)
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

// syncThenDropLast syncs ten rows with the given delete mode, then runs
// again without the last one, and returns the pipeline and that second
// run's summary.
func (h *harness) syncThenDropLast(mode string) (*config.Pipeline, *RunSummary) {
	h.t.Helper()
	h.writeCSV(rows(10))
	p := h.pipeline("deletes: {mode: " + mode + ", max: 5}\n")
	h.run(p, nil)
	h.writeCSV(rows(9))
	return p, h.run(p, nil)
}

// TestDNCContactsStayDNC: a contact marked do-not-call because its row
// left the source is not marked again each night, and when the row comes
// back it is not created a second time: its fields are updated and it
// stays do-not-call.
func TestDNCContactsStayDNC(t *testing.T) {
	h := newHarness(t, sim.Options{})
	p, sum := h.syncThenDropLast("dnc")
	if sum.Counts.DNC != 1 {
		t.Fatalf("counts %+v: want row 10 marked do-not-call", sum.Counts)
	}
	if again := h.run(p, nil); again.Requests.Total != 0 || again.Counts.DNC != 0 {
		t.Fatalf("the next night sent %d requests (dnc %d): want none", again.Requests.Total, again.Counts.DNC)
	}
	back := rows(10)
	back[9][1], back[9][3] = "Back", "" // renamed, email removed
	h.writeCSV(back)
	sum = h.run(p, nil)
	remote := h.remote()
	c := remote["+1415555"+row(9)[4][10:]]
	if sum.ExitCode != OutcomeOK || sum.Counts.Created != 0 || len(remote) != 10 || c.Status != "dnc" || c.FirstName != "Back" || c.Email != "" {
		t.Fatalf("exit %d counts %+v, %d remote, row 10's contact %+v: want it updated (email cleared), still dnc, no second contact",
			sum.ExitCode, sum.Counts, len(remote), c)
	}
	if again := h.run(p, nil); again.Requests.Total != 0 {
		t.Fatalf("the next night sent %d requests: want none", again.Requests.Total)
	}
}

// TestDNCPhoneUnderANewKey: a row with a new key but the phone of a
// contact marked do-not-call (the CRM re-keyed the person) takes that
// contact over, still do-not-call, instead of creating a callable one.
func TestDNCPhoneUnderANewKey(t *testing.T) {
	h := newHarness(t, sim.Options{})
	p, _ := h.syncThenDropLast("dnc")
	src := rows(10)
	src[9][0] = "5555" // re-keyed
	h.writeCSV(src)
	sum := h.run(p, nil)
	remote := h.remote()
	c := remote["+1415555"+row(9)[4][10:]]
	if sum.ExitCode != OutcomeOK || sum.Counts.Created != 0 || sum.Counts.Adopted != 1 || len(remote) != 10 || c.Status != "dnc" ||
		!strings.Contains(strings.Join(sum.Warnings, "\n"), "stays do-not-call") {
		t.Fatalf("exit %d counts %+v warnings %q, %d remote, contact %+v: want it taken over, still dnc", sum.ExitCode, sum.Counts, sum.Warnings, len(remote), c)
	}
	// Gone again: the contact is do-not-call already; nothing is sent.
	h.writeCSV(rows(9))
	if again := h.run(p, nil); again.Requests.Total != 0 || len(h.remote()) != 10 {
		t.Fatalf("row gone again: %d requests, %d remote", again.Requests.Total, len(h.remote()))
	}
}

// TestExplainADeletedKey: a key whose contact was deleted is forgotten
// by the checkpoint, but explain still shows its history.
func TestExplainADeletedKey(t *testing.T) {
	h := newHarness(t, sim.Options{})
	p, _ := h.syncThenDropLast("delete")
	ex, err := Explain(context.Background(), p, row(9)[0], h.clk)
	if err != nil || ex.InSource || ex.Checkpoint != nil || len(ex.Attempts) != 2 || ex.Attempts[1].Action != "delete" {
		t.Fatalf("explain = %+v, %v; want the create and the delete", ex, err)
	}
	if _, err := Explain(context.Background(), p, "nope", h.clk); !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("explain of an unknown key: %v", err)
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
		{"a far smaller source, deletes off", "", func(h *harness) { h.writeCSV(rows(4)) }, "60% fewer than the 10 of the last complete run"},
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
			if sum.Quota.UsedToday != before {
				t.Fatalf("the report says %d requests used today, want the ledger's %d", sum.Quota.UsedToday, before)
			}
		})
	}
}

func TestShrinkGuardAcknowledgedOnce(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(10))
	p := h.pipeline("")
	h.run(p, nil)
	h.writeCSV(rows(4))
	if sum := h.run(p, func(o *RunOptions) { o.DryRun = true }); sum.ExitCode != OutcomeGuard {
		t.Fatalf("dry run of a shrunk source: exit %d, want the guard", sum.ExitCode)
	}
	if sum := h.run(p, func(o *RunOptions) { o.Yes = true }); sum.ExitCode != OutcomeOK {
		t.Fatalf("--yes: exit %d stopped %q", sum.ExitCode, sum.Stopped)
	}
	// The acknowledged run is the new baseline: the next night is quiet.
	if sum := h.run(p, nil); sum.ExitCode != OutcomeOK || sum.Counts.Unchanged != 4 {
		t.Fatalf("after --yes: exit %d stopped %q counts %+v", sum.ExitCode, sum.Stopped, sum.Counts)
	}
	// A guard-tripped run is no baseline either.
	h.writeCSV(rows(1))
	if sum := h.run(p, nil); sum.ExitCode != OutcomeGuard {
		t.Fatalf("shrunk again: exit %d", sum.ExitCode)
	}
	if sum := h.run(p, nil); sum.ExitCode != OutcomeGuard || !strings.Contains(sum.Stopped, "the 4 of the last complete run") {
		t.Fatalf("still shrunk: exit %d stopped %q", sum.ExitCode, sum.Stopped)
	}
	// However many dry and guard-tripped runs come after it, the last
	// complete run stays the baseline.
	for range 25 {
		h.run(p, func(o *RunOptions) { o.DryRun = true })
	}
	if sum := h.run(p, nil); sum.ExitCode != OutcomeGuard || !strings.Contains(sum.Stopped, "the 4 of the last complete run") {
		t.Fatalf("after 25 dry runs: exit %d stopped %q", sum.ExitCode, sum.Stopped)
	}
}

func TestContactCapStopsCreatesAndSaysSo(t *testing.T) {
	h := newHarness(t, sim.Options{ContactCap: 6})
	h.writeCSV(rows(10))
	p := h.pipeline("api: {contact_cap: 6}\n")
	dry := h.run(p, func(o *RunOptions) { o.DryRun = true })
	if len(dry.Warnings) == 0 || !strings.Contains(strings.Join(dry.Warnings, "\n"), "cap of 6 contacts: the API will refuse about 4") {
		t.Fatalf("dry run warnings %q: want the cap foreseen", dry.Warnings)
	}
	sum := h.run(p, nil)
	if sum.ExitCode != OutcomeRowErrors || sum.Counts.Created != 6 || sum.Counts.Deferred != 4 || !strings.Contains(sum.Stopped, "contact cap") {
		t.Fatalf("exit %d stopped %q counts %+v: want 6 created, 4 not sent, exit 4", sum.ExitCode, sum.Stopped, sum.Counts)
	}
	// The creates left out are planned again next time, not forgotten.
	again := h.run(p, nil)
	if again.Counts.Create != 4 || again.Counts.Unchanged != 6 || again.ExitCode != OutcomeRowErrors {
		t.Fatalf("next run: exit %d counts %+v", again.ExitCode, again.Counts)
	}
}

// TestDNCContactGoneIsNotCreatedAgain: the do-not-call contact a re-keyed
// row takes over was deleted from the account meanwhile: it is refused,
// not created again as a callable contact, and the record stays dnc.
func TestDNCContactGoneIsNotCreatedAgain(t *testing.T) {
	h := newHarness(t, sim.Options{})
	p, _ := h.syncThenDropLast("dnc")
	phone9 := "+1415555" + row(9)[4][10:]
	if err := h.client().DeleteContact(context.Background(), h.remote()[phone9].ID); err != nil {
		t.Fatal(err)
	}
	src := rows(10)
	src[9][0] = "5555" // re-keyed
	h.writeCSV(src)
	for night := range 2 {
		sum := h.run(p, nil)
		if _, ok := h.remote()[phone9]; ok || sum.Counts.Created != 0 || sum.Counts.Refused != 1 {
			t.Fatalf("night %d: counts %+v, %d remote: want the take-over refused, no contact created", night, sum.Counts, len(h.remote()))
		}
	}
	store, err := openCheckpoint(context.Background(), p.Checkpoint, h.clk)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if rec, ok, err := store.Get(context.Background(), p.Name, "5555"); err != nil || !ok || rec.Origin != checkpoint.OriginDNC {
		t.Fatalf("record %+v (%v, %v): want origin dnc", rec, ok, err)
	}
}
