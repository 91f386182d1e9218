package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/push"
	"github.com/alexsync/alexsync/pkg/quota"
	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/redact"
	"github.com/alexsync/alexsync/pkg/sink/rejects"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

// lockedRejects serializes writes to the rejects file and counts them.
type lockedRejects struct {
	mu    sync.Mutex
	w     rejects.Writer
	count int
	err   error
	// refused notes the first rows the API refused during the push.
	refused []RejectNote
}

func (l *lockedRejects) Write(values []string, line int, code, message string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Write(values, line, code, message); err != nil {
		l.err = err
		return err
	}
	l.count++
	return nil
}

func (l *lockedRejects) Close() error { return l.w.Close() }

// reject receives the rows the API refused during the push.
func (l *lockedRejects) reject(re *record.RowError) {
	_ = writeReject(l, re) // a failing rejects file is reported at Close
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.refused) < maxRejectNotes {
		msg := re.Code
		if re.Err != nil {
			msg = re.Err.Error()
		}
		l.refused = append(l.refused, RejectNote{Line: re.Line, Column: re.Column, Code: re.Code, Message: redact.Text(msg)})
	}
}

// connect builds the API client: paced by a rolling minute window, and
// budgeted by the checkpoint's daily ledger (and --max-requests).
func (r *runner) connect(ctx context.Context) error {
	if r.opts.Key == "" {
		return configError{fmt.Errorf("no API key given")}
	}
	url := r.opts.APIURL
	if url == "" {
		url = r.p.API.URL()
	}
	if r.ledger == nil {
		r.ledger = r.newLedger(ctx)
	}
	// status shows this key's day without being given the key.
	if err := r.store.SetMeta(ctx, r.p.Name, metaKeyHash, r.ledger.keyHash); err != nil {
		return err
	}
	var budget smartalex.Budget = r.ledger
	if r.opts.MaxRequests > 0 {
		budget = &runBudget{next: r.ledger, max: r.opts.MaxRequests}
	}
	opts := []smartalex.Option{
		smartalex.WithLimiter(quota.NewWindow(r.limits.PerMinute, r.limits.Minute, r.opts.Clock)),
		smartalex.WithBudget(budget),
		smartalex.WithLogger(r.opts.Logger),
		smartalex.WithClock(r.opts.Clock),
		smartalex.WithUserAgent("alexsync"),
		smartalex.WithRetryPolicy(r.opts.Retry),
	}
	if r.opts.HTTPClient != nil {
		opts = append(opts, smartalex.WithHTTPClient(r.opts.HTTPClient))
	}
	c, err := smartalex.NewClient(url, r.opts.Key, opts...)
	if err != nil {
		return configError{err}
	}
	r.client = c
	return nil
}

// adopt lists the account's contacts once, on a run whose checkpoint has
// never seen the account, and turns every create whose phone the account
// already holds into an adoption: no duplicate is created. The matches
// are recorded (state pending, the listed contact as the confirmed one)
// before the account is marked listed, so a run that stops before sending
// them all resumes with the adoptions and never lists the account again.
func (r *runner) adopt(ctx context.Context, plan *Plan) error {
	listed, _, err := r.store.Meta(ctx, r.p.Name, "remote_listed")
	if err != nil || (listed != "" && r.p.Adopt != config.AdoptAlways) {
		return err
	}
	byPhone := map[string]*smartalex.Contact{}
	for c, err := range r.client.Contacts(ctx, smartalex.ContactListOptions{}) {
		if err != nil {
			return err
		}
		// A contact another record of the pipeline holds is never adopted:
		// keep the first of the others with the phone.
		if _, seen := byPhone[c.Phone]; !seen && c.Phone != "" && !plan.holds(c.ID) {
			c := c
			byPhone[c.Phone] = &c
		}
	}
	for i, t := range plan.tasks {
		rc, ok := byPhone[t.Entry.Contact.Phone]
		if t.Op != push.OpCreate || !ok {
			continue
		}
		prev := fromAPI(rc, t.Entry.Key)
		t.Op, t.Entry.RemoteID, t.Entry.Origin, t.Previous = push.OpAdopt, rc.ID, "adopted", &prev
		plan.tasks[i] = t
		delete(byPhone, rc.Phone)        // one remote contact is adopted once
		contact, _ := json.Marshal(prev) // a struct of strings: cannot fail
		rec := checkpoint.Record{Pipeline: r.p.Name, Key: t.Entry.Key, Contact: string(contact), RemoteID: rc.ID,
			Origin: checkpoint.OriginAdopted, Line: int64(t.Entry.Line), Phone: t.Entry.Contact.Phone, State: checkpoint.StatePending}
		if err := r.store.Upsert(ctx, rec); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	if err := r.store.Flush(ctx); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return r.store.SetMeta(ctx, r.p.Name, "remote_listed", r.opts.Clock.Now().UTC().Format(time.RFC3339))
}

// push runs the tasks through the pool.
func (r *runner) push(ctx context.Context, tasks []push.Task) push.Result {
	if len(tasks) == 0 {
		return push.Result{}
	}
	workers := r.p.API.Workers
	if r.opts.Workers > 0 {
		workers = r.opts.Workers
	}
	prog := r.opts.Progress
	if prog == nil {
		prog = &logProgress{log: r.opts.Logger, clock: r.opts.Clock}
	}
	prog.Start(len(tasks), quotaTime(len(tasks), r.limits))
	defer prog.Finish()
	return push.Run(ctx, slices.Values(tasks), apiAdapter{c: r.client, sending: r.sending, stop: ctx}, journalAdapter{store: r.store, pipeline: r.p.Name}, push.Options{
		Workers:  workers,
		Abort:    r.opts.Abort,
		OnReject: r.rejects.reject,
		Logger:   r.opts.Logger,
		OnDone:   func(_ push.Task, outcome string) { prog.Done(outcome) },
	})
}

// sending stamps key's in-flight record right before a write leaves.
func (r *runner) sending(ctx context.Context, key string) error {
	return r.store.Sending(ctx, checkpoint.Record{Pipeline: r.p.Name, Key: key})
}

func (r *runner) fillPlanCounts(plan *Plan, ex *Extract) {
	c := &r.sum.Counts
	c.Read, c.Rejected, c.Duplicates = ex.Read, ex.Rejected, ex.Duplicates
	c.Unchanged, c.Create, c.Update, c.Delete = plan.Unchanged, plan.Create+plan.Reconcile, plan.Update, plan.Delete
	r.sum.Warnings = ex.Warnings
	r.sum.Rejects = ex.FirstRejects
}

func (r *runner) fillPushCounts(res push.Result) {
	c := &r.sum.Counts
	c.Created, c.Updated, c.Deleted, c.DNC = res.Created, res.Updated, res.Deleted, res.DNC
	c.Adopted, c.Reconciled = res.Adopted, res.Reconciled
	c.Failed, c.InDoubt, c.Deferred = res.Failed, res.InDoubt, res.Deferred
	c.Refused = res.Rejected
	if r.rejects != nil {
		r.rejects.mu.Lock()
		r.sum.Rejects = append(r.sum.Rejects, r.rejects.refused...)
		r.rejects.mu.Unlock()
	}
}

func (r *runner) fillRequests(ctx context.Context) {
	r.sum.Quota.UsedToday = r.ledger.used(context.WithoutCancel(ctx))
	if r.client == nil {
		return
	}
	st := r.client.Stats()
	r.sum.Requests = Requests{Total: st.Requests, ByStatus: st.ByStatus, ByRoute: st.ByRoute, Retries: st.Retries, RateLimited: st.RateLimited}
}
