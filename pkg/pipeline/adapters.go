package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/push"
	"github.com/alexsync/alexsync/pkg/quota"
	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

// apiAdapter is push.API over the SmartAlex client: it converts contacts
// and turns the client's error classes into push's.
type apiAdapter struct {
	c *smartalex.Client
	// sending stamps the in-flight record of key right before a write for
	// it leaves (nil: no stamps). A run reconciling what a stopped run
	// left in flight measures api.in_flight_settle from that stamp, not
	// from the mark, which may precede the request by a limiter wait and
	// retries.
	sending func(ctx context.Context, key string) error
	// stop ends the waits of requests not yet sent (the run's context: a
	// first Ctrl-C); requests run under the push's Abort context, so the
	// ones already sent finish.
	stop context.Context
}

// waits returns ctx with its waits before sending ended by a.stop.
func (a apiAdapter) waits(ctx context.Context) context.Context {
	if a.stop == nil {
		return ctx
	}
	return smartalex.StopWaiting(ctx, a.stop)
}

// stamped returns ctx set to stamp key's record before each attempt, and
// where a failed stamp is stored.
func (a apiAdapter) stamped(ctx context.Context, key string) (context.Context, *error) {
	failed := new(error)
	if a.sending == nil {
		return ctx, failed
	}
	return smartalex.BeforeSend(ctx, func(ctx context.Context) error {
		*failed = a.sending(ctx, key)
		return *failed
	}), failed
}

// writeError classifies the error of a write whose stamp may have failed:
// a checkpoint that cannot be written stops the run.
func writeError(err, stamp error) error {
	if stamp != nil && !errors.Is(stamp, context.Canceled) {
		return fmt.Errorf("%w: checkpoint: %w", push.ErrFatal, stamp)
	}
	return classify(err)
}

func (a apiAdapter) Create(ctx context.Context, c record.Contact) (push.Remote, error) {
	var res smartalex.Response
	ctx, stamp := a.stamped(a.waits(ctx), c.Key)
	got, err := a.c.CreateContact(smartalex.CaptureResponse(ctx, &res), smartalex.ContactInput{Phone: c.Phone, FirstName: c.FirstName, LastName: c.LastName,
		Email: c.Email, Company: c.Company, Title: c.Title, Tags: c.Tags, Metadata: c.Metadata})
	if err != nil {
		return push.Remote{}, writeError(err, *stamp)
	}
	return answered(remote(got, c.Key), res), nil
}

// answered adds the answer's status and request id to r.
func answered(r push.Remote, res smartalex.Response) push.Remote {
	r.Status, r.RequestID = res.StatusCode, res.RequestID
	return r
}

func (a apiAdapter) Update(ctx context.Context, id string, p push.Patch) (push.Remote, error) {
	var patch smartalex.ContactPatch
	c := p.Contact
	for _, f := range p.Fields {
		switch f {
		case "first_name":
			patch.FirstName = smartalex.Ptr(c.FirstName)
		case "last_name":
			patch.LastName = smartalex.Ptr(c.LastName)
		case "phone":
			patch.Phone = smartalex.Ptr(c.Phone)
		case "email":
			patch.Email = smartalex.Ptr(c.Email)
		case "company":
			patch.Company = smartalex.Ptr(c.Company)
		case "title":
			patch.Title = smartalex.Ptr(c.Title)
		case "tags":
			tags := c.Tags
			if tags == nil {
				tags = []string{}
			}
			patch.Tags = &tags
		case "metadata":
			md := map[string]string(c.Metadata)
			if md == nil {
				md = map[string]string{}
			}
			patch.Metadata = &md
		}
	}
	var res smartalex.Response
	ctx, stamp := a.stamped(a.waits(ctx), c.Key)
	got, err := a.c.UpdateContact(smartalex.CaptureResponse(ctx, &res), id, patch)
	if err != nil {
		return push.Remote{}, writeError(err, *stamp)
	}
	return answered(remote(got, c.Key), res), nil
}

func (a apiAdapter) Delete(ctx context.Context, id string) error {
	return classify(a.c.DeleteContact(a.waits(ctx), id))
}

func (a apiAdapter) MarkDNC(ctx context.Context, id string) error {
	_, err := a.c.UpdateContact(a.waits(ctx), id, smartalex.ContactPatch{Status: smartalex.Ptr("dnc")})
	return classify(err)
}

func (a apiAdapter) FindByPhone(ctx context.Context, phone string) ([]push.Remote, error) {
	found, err := a.c.FindContactsByPhone(a.waits(ctx), phone)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]push.Remote, len(found))
	for i := range found {
		out[i] = remote(&found[i], "")
	}
	return out, nil
}

// remote converts an API contact to push's view of it.
func remote(c *smartalex.Contact, key string) push.Remote {
	return push.Remote{ID: c.ID, Contact: fromAPI(c, key)}
}

func fromAPI(c *smartalex.Contact, key string) record.Contact {
	var md map[string]string
	if len(c.Metadata) > 0 {
		md = map[string]string(c.Metadata)
	}
	return record.Contact{Key: key, Phone: c.Phone, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email,
		Company: c.Company, Title: c.Title, Tags: c.Tags, Metadata: md}
}

// classify maps the client's error classes onto push's sentinels, keeping
// the original error in the chain.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, smartalex.ErrNotSent) {
		return fmt.Errorf("%w: %w", push.ErrNotSent, err)
	}
	var sentinel error
	switch smartalex.Classify(err) {
	case smartalex.ClassAmbiguous:
		sentinel = push.ErrAmbiguous
	case smartalex.ClassQuota:
		sentinel = push.ErrQuota
	case smartalex.ClassCanceled:
		return err
	case smartalex.ClassPermanent:
		sentinel = push.ErrRejected
		if smartalex.IsNotFound(err) {
			sentinel = push.ErrNotFound
		}
	case smartalex.ClassFatal:
		sentinel = push.ErrFatal
		if smartalex.IsForbidden(err) {
			sentinel = push.ErrForbidden
		}
	default:
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// journalAdapter is push.Journal over the checkpoint store.
type journalAdapter struct {
	store    checkpoint.Store
	pipeline string
}

func (j journalAdapter) record(e push.Entry) checkpoint.Record {
	contact, _ := json.Marshal(e.Contact) // a struct of strings: cannot fail
	r := checkpoint.Record{Pipeline: j.pipeline, Key: e.Key, Contact: string(contact), RemoteID: e.RemoteID,
		Origin: checkpoint.Origin(e.Origin), Line: int64(e.Line), Phone: e.Contact.Phone}
	if e.RowHash != (record.Hash{}) {
		r.RowHash = e.RowHash.String()
	}
	if e.ContactHash != (record.Hash{}) {
		r.ContactHash = e.ContactHash.String()
	}
	return r
}

func attempt(a push.Attempt) checkpoint.Attempt {
	return checkpoint.Attempt{Action: checkpoint.Action(a.Action), Outcome: a.Outcome, Status: a.Status, Error: a.Error, RequestID: a.RequestID}
}

func (j journalAdapter) MarkInFlight(ctx context.Context, e push.Entry) error {
	return j.store.MarkInFlight(ctx, j.record(e))
}
func (j journalAdapter) Confirm(ctx context.Context, e push.Entry, a push.Attempt) error {
	return j.store.Confirm(ctx, j.record(e), attempt(a))
}
func (j journalAdapter) Fail(ctx context.Context, e push.Entry, a push.Attempt) error {
	return j.store.Fail(ctx, j.record(e), attempt(a))
}
func (j journalAdapter) InDoubt(ctx context.Context, e push.Entry, a push.Attempt) error {
	return j.store.InDoubt(ctx, j.record(e), attempt(a))
}
func (j journalAdapter) KeepAsDNC(ctx context.Context, e push.Entry, a push.Attempt) error {
	return j.store.KeepAsDNC(ctx, j.record(e), attempt(a))
}
func (j journalAdapter) Unsent(ctx context.Context, e push.Entry, a push.Attempt) error {
	return j.store.Unsent(ctx, j.record(e), attempt(a))
}
func (j journalAdapter) Remove(ctx context.Context, e push.Entry, a push.Attempt) error {
	return j.store.Remove(ctx, j.record(e), attempt(a))
}

// ledgerBudget is smartalex.Budget over the checkpoint's quota ledger, so
// every process using the same checkpoint and key shares one day.
type ledgerBudget struct {
	ctx     context.Context // the run's: ends the corrections of ObserveRate
	store   checkpoint.Store
	keyHash string
	limit   int
	day     time.Duration
	clock   clock.Clock
	// settle is how long after a day starts the server's count may still
	// be the day before's (answers to requests it took before midnight).
	settle time.Duration

	mu      sync.Mutex
	seenDay string // the day of seen
	seen    int    // the highest usage of seenDay the ledger reported to this run
}

// metaKeyHash names the checkpoint metadata holding the hash of the key
// the pipeline last ran with.
const metaKeyHash = "key_hash"

// keyHash identifies an API key in the ledger without storing it.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// dayName is the ledger's name for the day t falls in: the UTC date for
// 24-hour days, the day index for the simulator's scaled days.
func dayName(t time.Time, length time.Duration) string {
	if length == 24*time.Hour {
		return t.UTC().Format(time.DateOnly)
	}
	idx, _ := quota.DayIndex(t, length)
	return fmt.Sprintf("d%d/%s", idx, length)
}

func (b *ledgerBudget) Acquire(ctx context.Context) error {
	now := b.clock.Now()
	day := dayName(now, b.day)
	used, ok, err := b.store.SpendQuota(ctx, b.keyHash, day, 1, b.limit)
	if err != nil {
		return err
	}
	b.saw(day, used)
	if !ok {
		_, end := quota.DayIndex(now, b.day)
		return fmt.Errorf("%w: %d of %d requests used today; resets at %s", quota.ErrDayExhausted, used, b.limit, end.Format(time.RFC3339))
	}
	return nil
}

// ObserveRate corrects the ledger with the server's count of the day:
// when the server counted more requests on the key than the ledger holds
// (another client that does not share this checkpoint spent some), the
// ledger is raised to it, so the run stops at the real end of the day
// instead of meeting 429s. A ledger ahead of the server (reservations in
// flight) is left alone.
func (b *ledgerBudget) ObserveRate(r smartalex.Rate) {
	if !r.DailyKnown || r.DailyLimit <= 0 || r.DailyRemaining < 0 {
		return
	}
	counted := r.DailyLimit - r.DailyRemaining
	now := b.clock.Now()
	day := dayName(now, b.day)
	if counted <= b.seenOf(day) || b.ctx.Err() != nil {
		return
	}
	if _, end := quota.DayIndex(now, b.day); now.Sub(end.Add(-b.day)) < b.settle {
		return // early in the day: the count may be yesterday's
	}
	if used, err := b.store.RaiseQuota(b.ctx, b.keyHash, day, counted); err == nil {
		b.saw(day, used)
	}
}

// saw records a usage of day the ledger reported.
func (b *ledgerBudget) saw(day string, used int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if day != b.seenDay {
		b.seenDay, b.seen = day, 0
	}
	b.seen = max(b.seen, used)
}

// seenOf returns the highest usage of day the ledger reported (0 when
// none: a new day starts from nothing).
func (b *ledgerBudget) seenOf(day string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if day != b.seenDay {
		return 0
	}
	return b.seen
}

func (b *ledgerBudget) Release(ctx context.Context) {
	_ = b.store.RefundQuota(context.WithoutCancel(ctx), b.keyHash, dayName(b.clock.Now(), b.day), 1)
}

func (b *ledgerBudget) used(ctx context.Context) int {
	n, _ := b.store.QuotaUsed(ctx, b.keyHash, dayName(b.clock.Now(), b.day))
	return n
}

// runBudget stops a run after --max-requests requests, in front of the
// shared daily ledger.
type runBudget struct {
	next  smartalex.Budget
	max   int
	mu    sync.Mutex
	taken int
}

// errRunBudget is the cause of the QuotaError a run gets at --max-requests.
var errRunBudget = errors.New("--max-requests")

// quotaReason says why a quota stopped the run, without the wrappers the
// error gathered on its way up.
func quotaReason(err error) string {
	var qe *smartalex.QuotaError
	if errors.As(err, &qe) {
		return qe.Error()
	}
	return err.Error()
}

func (b *runBudget) Acquire(ctx context.Context) error {
	b.mu.Lock()
	if b.max > 0 && b.taken >= b.max {
		b.mu.Unlock()
		return fmt.Errorf("%w %d reached", errRunBudget, b.max)
	}
	b.taken++
	b.mu.Unlock()
	if err := b.next.Acquire(ctx); err != nil {
		b.mu.Lock()
		b.taken--
		b.mu.Unlock()
		return err
	}
	return nil
}

// ObserveRate passes the server's rate state on to the shared ledger.
func (b *runBudget) ObserveRate(r smartalex.Rate) {
	if ro, ok := b.next.(smartalex.RateObserver); ok {
		ro.ObserveRate(r)
	}
}

func (b *runBudget) Release(ctx context.Context) {
	b.mu.Lock()
	b.taken--
	b.mu.Unlock()
	b.next.Release(ctx)
}
