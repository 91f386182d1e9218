package push

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/alexsync/alexsync/pkg/record"
)

// exec runs one task and returns its outcome. Requests run under
// opts.Abort, not the run's ctx, so a first Ctrl-C lets them finish.
func (p *pusher) exec(t Task) string {
	ctx := p.opts.Abort
	switch t.Op {
	case OpCreate:
		if p.createsStopped() {
			return outDeferred
		}
		return p.create(ctx, t, t.Entry, true)
	case OpReconcile:
		if p.createsStopped() {
			return outDeferred
		}
		return p.reconcile(ctx, t, t.Entry, outReconciled)
	case OpUpdate, OpAdopt:
		if p.stopped() {
			return outDeferred
		}
		return p.update(ctx, t, t.Entry)
	case OpDelete, OpDNC:
		if p.stopped() {
			return outDeferred
		}
		return p.remove(ctx, t)
	}
	return outFailed
}

// create marks the record in flight, creates it, and confirms it. A create
// whose outcome is unknown is looked up by phone at once (retry allowed
// once more when it is really absent); if that lookup fails too, the
// record stays in doubt for the next run.
func (p *pusher) create(ctx context.Context, t Task, e Entry, settle bool) string {
	e.RemoteID, e.Origin = "", "created"
	if err := p.j.MarkInFlight(ctx, e); err != nil {
		return p.journalFailed(err)
	}
	r, err := p.api.Create(ctx, e.Contact)
	if errors.Is(err, ErrAmbiguous) {
		if jerr := p.j.InDoubt(ctx, e, failedAttempt("create", outInDoubt, err)); jerr != nil {
			return p.journalFailed(jerr)
		}
		if !settle || p.stopped() {
			return outInDoubt
		}
		return p.reconcileOnce(ctx, t, e)
	}
	if err != nil && !settle && (errors.Is(err, ErrQuota) || errors.Is(err, ErrNotSent)) {
		// The create before it may still land: the record stays in doubt,
		// for the next run to look up after api.in_flight_settle.
		if errors.Is(err, ErrQuota) {
			p.stop(StopQuota, err)
		} else {
			p.stop(StopCanceled, err)
		}
		if jerr := p.j.InDoubt(context.WithoutCancel(ctx), e, failedAttempt("create", outInDoubt, err)); jerr != nil {
			return p.journalFailed(jerr)
		}
		return outDeferred
	}
	if err != nil {
		return p.failed(ctx, t, e, "create", err)
	}
	e.RemoteID = r.ID
	return p.confirm(ctx, e, Attempt{Action: "create", Outcome: "ok", Status: r.Status, RequestID: r.RequestID}, outCreated)
}

// reconcileOnce settles an ambiguous create: found means it was applied.
func (p *pusher) reconcileOnce(ctx context.Context, t Task, e Entry) string {
	found, err := p.api.FindByPhone(ctx, e.Contact.Phone)
	if err != nil {
		return p.lookupFailed(ctx, e, err)
	}
	if len(found) == 0 {
		return p.create(ctx, t, e, false)
	}
	return p.takeOver(ctx, t, e, found[0], "created", outCreated)
}

// reconcile resolves a record left in flight or in doubt by an earlier
// run: the remote contact with its phone is taken over, or it is created.
func (p *pusher) reconcile(ctx context.Context, t Task, e Entry, outcome string) string {
	found, err := p.api.FindByPhone(ctx, e.Contact.Phone)
	if err != nil {
		return p.lookupFailed(ctx, e, err)
	}
	if len(found) == 0 {
		return p.create(ctx, t, e, true)
	}
	return p.takeOver(ctx, t, e, found[0], "created", outcome)
}

// lookupFailed handles a failed phone search for a record whose create may
// have been applied. Whatever the error, the record stays in doubt: only a
// search that answered may lead to a create, or the next run could POST a
// contact the account already holds. A quota or fatal error also stops
// the run.
func (p *pusher) lookupFailed(ctx context.Context, e Entry, err error) string {
	outcome := outInDoubt
	switch {
	case errors.Is(err, ErrQuota):
		p.stop(StopQuota, err)
		outcome = outDeferred
	case errors.Is(err, ErrFatal), errors.Is(err, ErrForbidden):
		p.stop(StopFatal, err)
	case errors.Is(err, context.Canceled):
		outcome = outDeferred
	default:
		p.opts.Logger.Warn("looking a contact up by phone failed after retries; the next run tries again", "key", e.Key, "error", err)
	}
	a := failedAttempt("reconcile", outInDoubt, err)
	if jerr := p.j.InDoubt(context.WithoutCancel(ctx), e, a); jerr != nil {
		return p.journalFailed(jerr)
	}
	return outcome
}

// takeOver adopts remote r for entry e, patching the fields that differ.
func (p *pusher) takeOver(ctx context.Context, t Task, e Entry, r Remote, origin, outcome string) string {
	e.RemoteID, e.Origin = r.ID, origin
	prev := r.Contact
	t.Previous = &prev
	t.Entry = e
	res := p.update(ctx, t, e)
	if res == outUpdated || res == outAdopted {
		return outcome
	}
	return res
}

// update sends the fields of e.Contact that differ from t.Previous (none:
// no request) and confirms. A contact deleted remotely is created again.
func (p *pusher) update(ctx context.Context, t Task, e Entry) string {
	action, outcome := "update", outUpdated
	if t.Op == OpAdopt {
		action, outcome = "adopt", outAdopted
		if e.Origin != OriginDNC { // a do-not-call contact stays protected
			e.Origin = "adopted"
		}
	}
	var fields []string
	if t.Previous != nil {
		fields = ChangedFields(*t.Previous, e.Contact)
	} else {
		fields = allFields
	}
	if len(fields) == 0 {
		return p.confirm(ctx, e, Attempt{Action: action, Outcome: "ok"}, outcome)
	}
	if err := p.j.MarkInFlight(ctx, e); err != nil {
		return p.journalFailed(err)
	}
	r, err := p.api.Update(ctx, e.RemoteID, Patch{Contact: e.Contact, Fields: fields})
	switch {
	case errors.Is(err, ErrNotFound) && e.Origin == OriginDNC:
		// A do-not-call contact deleted from the account is not created
		// again: it would be callable.
		return p.failed(ctx, t, e, action, fmt.Errorf("%w: the do-not-call contact %s is gone from the account; it is not created again (create it by hand, marked do-not-call, if it should exist)", ErrRejected, e.RemoteID))
	case errors.Is(err, ErrNotFound):
		return p.create(ctx, t, e, true)
	case err != nil:
		return p.failed(ctx, t, e, action, err)
	}
	return p.confirm(ctx, e, Attempt{Action: action, Outcome: "ok", Status: r.Status, RequestID: r.RequestID}, outcome)
}

// remove deletes the remote contact or marks it do-not-call, then forgets
// the record. A contact already gone counts as deleted.
func (p *pusher) remove(ctx context.Context, t Task) string {
	e := t.Entry
	if err := p.j.MarkInFlight(ctx, e); err != nil {
		return p.journalFailed(err)
	}
	action, outcome := "delete", outDeleted
	var err error
	if t.Op == OpDNC {
		action, outcome = "dnc", outDNC
		err = p.api.MarkDNC(ctx, e.RemoteID)
	} else {
		err = p.api.Delete(ctx, e.RemoteID)
	}
	if errors.Is(err, ErrNotFound) {
		err, outcome = nil, outDeleted
	}
	if err != nil {
		return p.failed(ctx, t, e, action, err)
	}
	var jerr error
	if outcome == outDNC {
		// Kept, so that the contact is never created again while it is
		// do-not-call, nor marked again each night.
		jerr = p.j.KeepAsDNC(context.WithoutCancel(ctx), e, Attempt{Action: action, Outcome: "ok"})
	} else {
		jerr = p.j.Remove(context.WithoutCancel(ctx), e, Attempt{Action: action, Outcome: "ok"})
	}
	if jerr != nil {
		return p.journalFailed(jerr)
	}
	return outcome
}

func (p *pusher) confirm(ctx context.Context, e Entry, a Attempt, outcome string) string {
	e.ContactHash = e.Contact.Fingerprint()
	if err := p.j.Confirm(context.WithoutCancel(ctx), e, a); err != nil {
		return p.journalFailed(err)
	}
	return outcome
}

// failed records an API failure and decides what it means for the run.
func (p *pusher) failed(ctx context.Context, t Task, e Entry, action string, err error) string {
	ctx = context.WithoutCancel(ctx)
	outcome := outFailed
	switch {
	case errors.Is(err, ErrQuota), errors.Is(err, ErrNotSent):
		if errors.Is(err, ErrQuota) {
			p.stop(StopQuota, err)
		} else {
			p.stop(StopCanceled, err)
		}
		// Nothing was applied: the record is pending again, not failed.
		if jerr := p.j.Unsent(ctx, e, failedAttempt(action, outDeferred, err)); jerr != nil {
			return p.journalFailed(jerr)
		}
		return outDeferred
	case errors.Is(err, ErrForbidden) && action == "create":
		p.mu.Lock()
		p.res.CapReached = true
		p.mu.Unlock()
		p.opts.Logger.Warn("the API refused a create (403): the plan's contact cap is probably reached; no more creates this run", "error", err)
		outcome = outDeferred
	case errors.Is(err, ErrFatal), errors.Is(err, ErrForbidden):
		p.stop(StopFatal, err)
	case errors.Is(err, ErrRejected):
		outcome = outRejected
		p.reject(t, err)
	case errors.Is(err, ErrAmbiguous), errors.Is(err, context.Canceled):
		if jerr := p.j.InDoubt(ctx, e, failedAttempt(action, outInDoubt, err)); jerr != nil {
			return p.journalFailed(jerr)
		}
		return outInDoubt
	default:
		p.opts.Logger.Warn("request failed after retries; the next run tries again", "action", action, "line", t.Row.Line, "error", err)
	}
	if jerr := p.j.Fail(ctx, e, failedAttempt(action, outcome, err)); jerr != nil {
		return p.journalFailed(jerr)
	}
	return outcome
}

func (p *pusher) journalFailed(err error) string {
	if errors.Is(err, context.Canceled) {
		return outDeferred
	}
	p.stop(StopFatal, errJournal{err})
	return outFailed
}

var allFields = []string{"first_name", "last_name", "phone", "email", "company", "title", "tags", "metadata"}

// ChangedFields lists the contact fields that differ between a and b.
func ChangedFields(a, b record.Contact) []string {
	var out []string
	for i, pair := range [][2]string{{a.FirstName, b.FirstName}, {a.LastName, b.LastName}, {a.Phone, b.Phone}, {a.Email, b.Email}, {a.Company, b.Company}, {a.Title, b.Title}} {
		if pair[0] != pair[1] {
			out = append(out, allFields[i])
		}
	}
	if !slices.Equal(a.Tags, b.Tags) {
		out = append(out, "tags")
	}
	if !maps.Equal(a.Metadata, b.Metadata) && (len(a.Metadata) > 0 || len(b.Metadata) > 0) {
		out = append(out, "metadata")
	}
	return out
}
