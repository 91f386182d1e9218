package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/diff"
	"github.com/alexsync/alexsync/pkg/mapping"
	"github.com/alexsync/alexsync/pkg/prepare"
	"github.com/alexsync/alexsync/pkg/push"
	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/redact"
	"github.com/alexsync/alexsync/pkg/sink/rejects"
)

// Plan is what a run will send, decided before the first request.
type Plan struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Unchanged int `json:"unchanged"`
	Delete    int `json:"delete"`
	Reconcile int `json:"reconcile"` // records an earlier run left in flight or in doubt
	// Resend counts updates caused only by changed mapping or
	// normalization settings (the fast path was off).
	SettingsChanged bool `json:"settings_changed"`
	Resend          int  `json:"resend"`
	// Requests is the number of write requests the plan needs (plus one
	// listing request per 100 remote contacts on a first run, for adoption).
	Requests int `json:"requests"`
	// FirstRun: the account was never listed by this pipeline; before
	// creating, its contacts are listed once (per_page 100) and those
	// whose phone matches are adopted instead of created again.
	FirstRun bool `json:"first_run"`
	// Adopting: this run lists the account before creating (the first
	// run, or every run with adopt: always).
	Adopting bool `json:"adopting"`
	// Samples show a few updates field by field (values masked).
	Samples []FieldChange `json:"samples,omitempty"`
	// Estimate says how long the requests take at the plan's quotas.
	Estimate string `json:"estimate"`

	tasks      []push.Task
	deletes    []push.Task
	configHash string
	// holds reports whether a remote contact id is already this
	// pipeline's (adoption never takes one twice).
	holds func(remoteID string) bool
}

// FieldChange is one field of one planned update.
type FieldChange struct {
	Key   string `json:"key"`
	Line  int    `json:"line"`
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

const maxSamples = 10

// baseline streams the checkpoint's records as the differ's baseline and
// notes which keys an earlier run left in flight or in doubt (doubt), and
// which it matched to a remote contact on the first listing without
// confirming them yet (adopting).
// dnc gets the remote id of every contact marked do-not-call when its row
// left the source, by phone.
func baseline(ctx context.Context, store checkpoint.Store, pipeline string, doubt, adopting map[string]bool, dnc map[string]string) iter.Seq2[diff.Known, error] {
	return func(yield func(diff.Known, error) bool) {
		for r, err := range store.Baseline(ctx, pipeline) {
			if err != nil {
				yield(diff.Known{}, err)
				return
			}
			switch {
			case r.State == checkpoint.StateInFlight || r.State == checkpoint.StateInDoubt:
				doubt[r.Key] = true
			case r.Origin == checkpoint.OriginAdopted && r.RemoteID != "" && r.ContactHash == "" &&
				(r.State == checkpoint.StatePending || r.State == checkpoint.StateFailed):
				// Matched, never confirmed: the PATCH was not sent (a quota
				// stop or a signal puts it back to pending), or failed.
				adopting[r.Key] = true
			case r.Origin == checkpoint.OriginDNC && r.Phone != "" && r.RemoteID != "":
				dnc[r.Phone] = r.RemoteID
			}
			k := diff.Known{Key: r.Key, RemoteID: r.RemoteID, Synced: r.State == checkpoint.StateSynced, Deletable: r.Origin != "" && r.Origin != checkpoint.OriginDNC,
				Origin: string(r.Origin), Phone: r.Phone}
			k.RowHash, _ = parseHash(r.RowHash)
			k.ContactHash, _ = parseHash(r.ContactHash)
			if !yield(k, nil) {
				return
			}
		}
	}
}

// prefetch runs seq on a goroutine of its own, a batch of records ahead
// of its consumer: reading the checkpoint and decoding overlaps the
// consumer's indexing. Its values are the same as seq's, in order. It
// stops seq when the consumer stops early or ctx is done, and returns
// only after seq has returned, so that what seq wrote is the consumer's
// to read afterwards.
func prefetch[T any](ctx context.Context, seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	const batch = 4096
	return func(yield func(T, error) bool) {
		type chunk struct {
			vals []T
			err  error
		}
		ch := make(chan chunk, 2)
		free := make(chan []T, 4) // consumed batches, to fill again
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer close(ch)
			send := func(c chunk) bool {
				select {
				case ch <- c:
					return true
				case <-stop:
					return false
				case <-ctx.Done():
					return false
				}
			}
			vals := make([]T, 0, batch)
			for v, err := range seq {
				if err != nil {
					if send(chunk{vals: vals}) {
						send(chunk{err: err})
					}
					return
				}
				if vals = append(vals, v); len(vals) == batch {
					if !send(chunk{vals: vals}) {
						return
					}
					select {
					case vals = <-free:
					default:
						vals = make([]T, 0, batch)
					}
				}
			}
			send(chunk{vals: vals})
		}()
		defer func() {
			close(stop)
			<-done
		}()
		for c := range ch {
			for _, v := range c.vals {
				if !yield(v, nil) {
					return
				}
			}
			select {
			case free <- c.vals[:0]:
			default:
			}
			if c.err != nil {
				yield(*new(T), c.err)
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(*new(T), err)
		}
	}
}

func parseHash(s string) (record.Hash, bool) {
	var h record.Hash
	if len(s) != hex.EncodedLen(len(h)) {
		return record.Hash{}, false
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return record.Hash{}, false
	}
	return h, true
}

// configHash fingerprints everything that turns a raw row into a contact:
// when it changes, an unchanged raw row no longer proves an unchanged
// contact.
func configHash(p *config.Pipeline, m *config.Mapping) string {
	b, _ := json.Marshal(struct {
		Mapping    *config.Mapping
		Phone      config.Phone
		Duplicates string
	}{m, p.Phone, p.Duplicates})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// planner builds a Plan while the source streams.
type planner struct {
	ctx      context.Context
	p        *config.Pipeline
	store    checkpoint.Store
	differ   *diff.Differ
	doubt    map[string]bool
	adopting map[string]bool
	dnc      map[string]string // do-not-call contacts by phone (see baseline)
	dncHits  int
	plan     *Plan
	ex       *Extract
	rej      rejects.Writer
	settings bool  // settings changed: updates are re-sends
	updates  []int // indexes in plan.tasks of the updates, for loadPrevious
}

func (pl *planner) row(it prepare.Item, dd *prepare.Deduper) error {
	pl.ex.Read++
	switch {
	case it.Skipped:
		pl.plan.Unchanged++
		pl.ex.Valid++
		return nil
	case it.Err != nil:
		pl.ex.reject(it.Err, false)
		return writeReject(pl.rej, it.Err)
	}
	return pl.kept(dd.Add(it.Prepared))
}

func (pl *planner) kept(keep []prepare.Prepared, drop []*record.RowError) error {
	for _, re := range drop {
		pl.ex.reject(re, true)
		if err := writeReject(pl.rej, re); err != nil {
			return err
		}
	}
	for _, k := range keep {
		pl.ex.valid(k)
		if err := pl.classify(k); err != nil {
			return err
		}
	}
	return nil
}

func (pl *planner) classify(k prepare.Prepared) error {
	ch := pl.differ.Classify(k.Contact)
	e := push.Entry{Key: k.Contact.Key, Line: k.Row.Line, RowHash: k.RowHash, Contact: k.Contact,
		RemoteID: ch.Known.RemoteID, Origin: originOf(ch.Known)}
	switch ch.Class {
	case diff.Unchanged:
		pl.plan.Unchanged++
		if ch.Known.RowHash != k.RowHash {
			return pl.refreshRowHash(k)
		}
	case diff.Create:
		if rid, ok := pl.dnc[e.Contact.Phone]; ok && !pl.doubt[e.Key] {
			// A new key (a re-keyed CRM record) with the phone of a
			// contact marked do-not-call: take that contact over, still
			// do-not-call, rather than create a callable second one.
			delete(pl.dnc, e.Contact.Phone)
			e.RemoteID, e.Origin = rid, push.OriginDNC
			pl.plan.Create++
			pl.plan.tasks = append(pl.plan.tasks, push.Task{Op: push.OpAdopt, Entry: e, Row: k.Row})
			if pl.dncHits++; pl.dncHits <= maxSamples {
				pl.ex.Warnings = append(pl.ex.Warnings, fmt.Sprintf("line %d: a new key with the phone of a contact marked do-not-call: linked to that contact, which stays do-not-call", k.Row.Line))
			}
			return nil
		}
		op := push.OpCreate
		if pl.doubt[e.Key] {
			op = push.OpReconcile
			pl.plan.Reconcile++
		} else {
			pl.plan.Create++
		}
		pl.plan.tasks = append(pl.plan.tasks, push.Task{Op: op, Entry: e, Row: k.Row})
	case diff.Update:
		if pl.adopting[e.Key] {
			// Matched by the first run's listing, not confirmed yet: still
			// one of the first import's creates, now an adoption (PATCH of
			// the fields that differ from the listed contact).
			pl.plan.Create++
			pl.updates = append(pl.updates, len(pl.plan.tasks))
			e.Origin = string(checkpoint.OriginAdopted)
			pl.plan.tasks = append(pl.plan.tasks, push.Task{Op: push.OpAdopt, Entry: e, Row: k.Row})
			return nil
		}
		pl.plan.Update++
		if pl.settings {
			pl.plan.Resend++
		}
		pl.updates = append(pl.updates, len(pl.plan.tasks))
		pl.plan.tasks = append(pl.plan.tasks, push.Task{Op: push.OpUpdate, Entry: e, Row: k.Row})
	}
	return nil
}

// previousBatch is how many confirmed contacts one query loads.
const previousBatch = 500

// loadPrevious gives every planned update the contact the API last
// confirmed (so that only changed fields are sent), a batch of keys per
// query, and takes the plan's samples from the first ones.
func (pl *planner) loadPrevious() error {
	for start := 0; start < len(pl.updates); start += previousBatch {
		idx := pl.updates[start:min(start+previousBatch, len(pl.updates))]
		keys := make([]string, len(idx))
		for i, t := range idx {
			keys[i] = pl.plan.tasks[t].Entry.Key
		}
		contacts, err := pl.store.Contacts(pl.ctx, pl.p.Name, keys)
		if err != nil {
			return err
		}
		for _, t := range idx {
			task := &pl.plan.tasks[t]
			var c record.Contact
			if js := contacts[task.Entry.Key]; js != "" && json.Unmarshal([]byte(js), &c) == nil {
				task.Previous = &c // else unknown or unreadable: every field is sent
			}
			pl.sample(task.Entry, task.Previous)
		}
	}
	return nil
}

func originOf(k diff.Known) string {
	if k.Origin == "" && k.RemoteID != "" {
		return "created"
	}
	return k.Origin
}

// refreshRowHash records the new raw hash of a row whose contact did not
// change (a column outside the mapping changed), so that the next run
// takes the fast path for it. No API request is involved.
func (pl *planner) refreshRowHash(k prepare.Prepared) error {
	r, ok, err := pl.store.Get(pl.ctx, pl.p.Name, k.Contact.Key)
	if err != nil || !ok || r.State != checkpoint.StateSynced {
		return err
	}
	r.RowHash = k.RowHash.String()
	r.Line = int64(k.Row.Line)
	return pl.store.Upsert(pl.ctx, r)
}

func (pl *planner) sample(e push.Entry, prev *record.Contact) {
	if prev == nil || len(pl.plan.Samples) >= maxSamples {
		return
	}
	for _, f := range push.ChangedFields(*prev, e.Contact) {
		if len(pl.plan.Samples) >= maxSamples {
			return
		}
		from, to := redact.Text(fieldValue(*prev, f)), redact.Text(fieldValue(e.Contact, f))
		if from == to {
			// The change is inside the masked part: say so, or the sample
			// reads as no change at all.
			to += " (changed in the masked part)"
		}
		pl.plan.Samples = append(pl.plan.Samples, FieldChange{Key: mapping.DisplayKey(e.Key), Line: e.Line, Field: f, From: from, To: to})
	}
}

func fieldValue(c record.Contact, f string) string {
	switch f {
	case "first_name":
		return c.FirstName
	case "last_name":
		return c.LastName
	case "phone":
		return c.Phone
	case "email":
		return c.Email
	case "company":
		return c.Company
	case "title":
		return c.Title
	case "tags":
		return fmt.Sprint(c.Tags)
	default:
		return fmt.Sprint(c.Metadata)
	}
}

// estimate says how long n requests take at the quotas.
func estimate(n int, l config.Limits) string {
	if n == 0 {
		return "no requests"
	}
	windows := (n + l.PerMinute - 1) / l.PerMinute
	d := time.Duration(windows-1) * l.Minute
	if n <= l.PerMinute {
		d = 0
	}
	unit := "requests"
	if n == 1 {
		unit = "request"
	}
	s := fmt.Sprintf("%d %s: %s at %d/min", n, unit, roundDuration(d), l.PerMinute)
	if days := (n + l.PerDay - 1) / l.PerDay; days > 1 {
		s += fmt.Sprintf(", over %d days at %d/day", days, l.PerDay)
	}
	return s
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return d.Round(time.Minute).String()
	}
	h := d / time.Hour
	m := (d - h*time.Hour).Round(time.Minute) / time.Minute
	return fmt.Sprintf("%dh%02dm", h, m)
}
