package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/mapping"
	"github.com/alexsync/alexsync/pkg/push"
)

// guard returns why the run must not send anything, or "".
// lastRead is the number of rows the last complete run read (0 when none).
func (r *runner) guard(plan *Plan, ex *Extract, lastRead int) string {
	g := r.p.Guards
	known := plan.Unchanged + plan.Update + plan.Delete
	incremental := r.p.Source.CursorColumn != ""
	switch {
	case ex.Read == 0 && known > 0 && !incremental:
		return fmt.Sprintf("the source is empty but %d contacts were synced before; refusing to treat them all as gone", known)
	case !incremental && !r.opts.Yes && lastRead > 0 && float64(lastRead-ex.Read)/float64(lastRead) > g.MaxChangeRatio:
		// Whatever the delete mode: a source far smaller than last time
		// is most often the wrong file or a broken export.
		return fmt.Sprintf("the source has %d rows, %.0f%% fewer than the %d of the last complete run, more than guards.max_change_ratio %.0f%% (run with --yes to allow)",
			ex.Read, 100*float64(lastRead-ex.Read)/float64(lastRead), lastRead, 100*g.MaxChangeRatio)
	case g.MinRows > 0 && ex.Read < g.MinRows:
		return fmt.Sprintf("the source has %d rows, fewer than guards.min_rows %d", ex.Read, g.MinRows)
	case ex.Read > 0 && float64(ex.Rejected)/float64(ex.Read) > g.MaxRejectRatio:
		return fmt.Sprintf("%d of %d rows rejected (%.0f%%), more than guards.max_reject_ratio %.0f%%", ex.Rejected, ex.Read,
			100*float64(ex.Rejected)/float64(ex.Read), 100*g.MaxRejectRatio)
	}
	changes := plan.Update
	if r.p.Deletes.Mode != "off" {
		changes += plan.Delete
	}
	if !incremental && !r.opts.Yes && known > 0 && float64(changes)/float64(known) > g.MaxChangeRatio {
		return fmt.Sprintf("%d of %d synced contacts would change or be deleted (%.0f%%), more than guards.max_change_ratio %.0f%% (run with --yes to allow)",
			changes, known, 100*float64(changes)/float64(known), 100*g.MaxChangeRatio)
	}
	if r.p.Deletes.Mode != "off" && plan.Delete > r.p.Deletes.Max && !r.opts.Yes {
		return fmt.Sprintf("%d contacts would be %s, more than deletes.max %d (run with --yes to allow); e.g. %s",
			plan.Delete, map[string]string{"delete": "deleted", "dnc": "marked do-not-call"}[r.p.Deletes.Mode], r.p.Deletes.Max, sampleKeys(plan.deletes))
	}
	return ""
}

func sampleKeys(tasks []push.Task) string {
	var keys []string
	for _, t := range tasks[:min(5, len(tasks))] {
		keys = append(keys, mapping.DisplayKey(t.Entry.Key))
	}
	return strings.Join(keys, ", ")
}

// lastCompleteRead returns how many rows the newest finished run of the
// pipeline that got past its guards read (exit 0 or 4), or 0 when there
// is none: the baseline of the shrink guard.
func (r *runner) lastCompleteRead(ctx context.Context) (int, error) {
	run, ok, err := r.store.LastFinishedRun(ctx, r.p.Name, int(OutcomeOK), int(OutcomeRowErrors))
	if err != nil || !ok {
		return 0, err
	}
	var c struct {
		Read int `json:"read"`
	}
	if err := json.Unmarshal([]byte(run.Counts), &c); err != nil {
		return 0, fmt.Errorf("run %d's counts: %w", run.ID, err)
	}
	return c.Read, nil
}

// capWarning says when the plan's creates would take the contacts this
// pipeline holds in the account past the plan's contact cap, or "". The
// API refuses creates past the cap (403); the run then sends no more
// creates and says so.
func (r *runner) capWarning(plan *Plan) string {
	held := plan.Unchanged + plan.Update + plan.Delete
	capacity := r.limits.ContactCap
	if capacity <= 0 || plan.Create == 0 || held+plan.Create <= capacity {
		return ""
	}
	return fmt.Sprintf("%d creates on top of the %d contacts this pipeline holds pass the %s plan's cap of %d contacts: the API will refuse about %d of them (403)",
		plan.Create, held, r.limits.Plan, capacity, held+plan.Create-capacity)
}

// settleInFlight waits, when records a stopped run left in flight or in
// doubt are to be reconciled, until the newest of their creates is
// limits.Settle old: a write the stopped process sent may still be underway at the
// server, and a lookup by phone before it lands would find nothing and
// create the contact a second time. A record's time is that of its last
// request (stamped as it left, after any wait for the limiter or a retry),
// or of the state it was put in after that. It returns ctx's error if ctx
// ends first.
func (r *runner) settleInFlight(ctx context.Context, plan *Plan) error {
	if plan.Reconcile == 0 || r.limits.Settle <= 0 {
		return nil
	}
	var newest time.Time
	for _, state := range []checkpoint.State{checkpoint.StateInFlight, checkpoint.StateInDoubt} {
		for rec, err := range r.store.ByState(ctx, r.p.Name, state) {
			if err != nil {
				return err
			}
			// A record with a remote id was an update or a delete: it is
			// sent again as it is, never looked up.
			if rec.RemoteID == "" && rec.UpdatedAt.After(newest) {
				newest = rec.UpdatedAt
			}
		}
	}
	if newest.IsZero() {
		return nil
	}
	wait := newest.Add(r.limits.Settle).Sub(r.opts.Clock.Now())
	if wait <= 0 {
		return nil
	}
	r.opts.Logger.Info("waiting for the writes a stopped run left underway to land before looking them up", "wait", wait.Round(time.Millisecond).String())
	return r.opts.Clock.Sleep(ctx, wait)
}
