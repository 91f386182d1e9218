package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/diff"
	"github.com/alexsync/alexsync/pkg/prepare"
	"github.com/alexsync/alexsync/pkg/push"
	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/redact"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

// Outcome is how a run ended. Its values are the process exit codes of
// `alexsync run`, documented in the README.
type Outcome int

// Outcomes.
const (
	OutcomeOK          Outcome = 0   // all done
	OutcomeFatal       Outcome = 1   // a fatal error stopped the run
	OutcomeQuota       Outcome = 3   // stopped at a quota; the next run resumes
	OutcomeRowErrors   Outcome = 4   // done, but some rows were rejected or failed
	OutcomeGuard       Outcome = 5   // a guard tripped: nothing was sent
	OutcomeInterrupted Outcome = 130 // stopped by a signal
)

// RunOptions are the command line's choices for one run.
type RunOptions struct {
	DryRun      bool
	Workers     int    // 0: the pipeline's api.workers
	MaxRequests int    // 0: no limit besides the quotas
	APIURL      string // overrides api.base_url and SMARTALEX_API_URL
	Yes         bool   // allow deletes above deletes.max
	Key         string // the API key (never logged)
	Logger      *slog.Logger
	// Abort, when done, cancels requests in flight; the run's ctx only
	// stops taking new work.
	Abort      context.Context
	Clock      clock.Clock
	HTTPClient *http.Client
	Retry      smartalex.RetryPolicy
	// Progress receives the push's progress; nil: a log line every 10%.
	Progress Progress
	// LockTTL is the run lock's lease, renewed every quarter of it
	// (default 2 minutes): a crashed run blocks the pipeline at most
	// this long. A run that cannot renew it stops (exit 1).
	LockTTL time.Duration
}

// Progress is told how a push advances. The engine counts; printers (a
// terminal bar, log lines) live with the command line. Calls are
// serialized.
type Progress interface {
	// Start is called once with the number of tasks and the plan's
	// estimate of how long they take at the quotas.
	Start(total int, estimate time.Duration)
	// Done is called after each task with its outcome (created, updated,
	// adopted, reconciled, deleted, dnc, failed, in_doubt, rejected,
	// deferred).
	Done(outcome string)
	// Finish is called once when the push ends.
	Finish()
}

// RunSummary is the report of one run (`--report FILE.json`).
type RunSummary struct {
	Pipeline   string       `json:"pipeline"`
	Kind       string       `json:"kind"`
	DryRun     bool         `json:"dry_run"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt time.Time    `json:"finished_at"`
	ExitCode   Outcome      `json:"exit_code"`
	Counts     Counts       `json:"counts"`
	Requests   Requests     `json:"requests"`
	Quota      Quota        `json:"quota"`
	Outputs    Outputs      `json:"outputs"`
	Plan       *Plan        `json:"plan,omitempty"`
	Pull       *PullCounts  `json:"pull,omitempty"`    // pull-calls and export-contacts
	Stopped    string       `json:"stopped,omitempty"` // why the run stopped early
	Error      string       `json:"error,omitempty"`   // the error that ended the run (exit 1, 2 or 130)
	Warnings   []string     `json:"warnings,omitempty"`
	Rejects    []RejectNote `json:"first_rejects,omitempty"` // before sending, then the API's refusals
}

// Counts are the report's counts.
type Counts struct {
	Read       int `json:"read"`
	Rejected   int `json:"rejected"`
	Duplicates int `json:"duplicates"`
	Unchanged  int `json:"unchanged"`
	Create     int `json:"create"`
	Update     int `json:"update"`
	Delete     int `json:"delete"`
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	Deleted    int `json:"deleted"`
	DNC        int `json:"dnc"` // marked do-not-call (deletes.mode dnc)
	Adopted    int `json:"adopted"`
	Reconciled int `json:"reconciled"`
	Failed     int `json:"failed"`
	InDoubt    int `json:"in_doubt"`
	Deferred   int `json:"deferred"`
	// Refused counts the contacts the API refused (400): written to the
	// rejects file with the API's message, like the rows rejected before
	// sending (Rejected), and sent again by the next run.
	Refused int `json:"refused"`
}

// Requests counts what was sent.
type Requests struct {
	Total       int            `json:"total"`
	ByStatus    map[string]int `json:"by_status"`
	ByRoute     map[string]int `json:"by_route"`
	Retries     int            `json:"retries"`
	RateLimited int            `json:"rate_limited"`
}

// MarshalJSON writes empty maps as {}, never null, so that a report
// reader can index them whether or not the run sent anything.
func (r Requests) MarshalJSON() ([]byte, error) {
	type plain Requests
	out := plain(r)
	if out.ByStatus == nil {
		out.ByStatus = map[string]int{}
	}
	if out.ByRoute == nil {
		out.ByRoute = map[string]int{}
	}
	return json.Marshal(out)
}

// Quota is the quota the run paced itself by and what today used.
type Quota struct {
	Plan      string `json:"plan"`
	PerMinute int    `json:"per_minute"`
	PerDay    int    `json:"per_day"`
	UsedToday int    `json:"used_today"`
}

// Outputs are the files the run wrote.
type Outputs struct {
	Rejects    string `json:"rejects"` // "" when no row was rejected
	Checkpoint string `json:"checkpoint"`
}

// defaultLockTTL is the run lock's lease: a crashed run blocks the
// pipeline for at most this long.
const defaultLockTTL = 2 * time.Minute

// Run executes one push-contacts run: plan, guards, then push.
func Run(ctx context.Context, p *config.Pipeline, opts RunOptions) (*RunSummary, error) {
	opts = opts.withDefaults()
	if p.Kind != config.KindPushContacts && opts.DryRun {
		return nil, configError{fmt.Errorf("%s: --dry-run plans push-contacts pipelines; a %s run only reads the API", p.Path, p.Kind)}
	}
	limits, err := p.API.Limits()
	if err != nil {
		return nil, configError{err}
	}
	sum := &RunSummary{Pipeline: p.Name, Kind: p.Kind, DryRun: opts.DryRun, StartedAt: opts.Clock.Now().UTC(),
		Quota: Quota{Plan: limits.Plan, PerMinute: limits.PerMinute, PerDay: limits.PerDay}}
	store, err := openCheckpoint(ctx, p.Checkpoint, opts.Clock)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	sum.Outputs.Checkpoint = store.Location()
	if !opts.DryRun {
		var release func()
		ctx, release, err = holdLock(ctx, store, p.Name, opts)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	runID, dirty, err := store.BeginRun(ctx, p.Name, opts.DryRun)
	if err != nil {
		return nil, err
	}
	switch {
	case dirty && opts.DryRun:
		// A dry run takes no lock: the other run may be going on now.
		opts.Logger.Warn("the last run of this pipeline has not finished: it is still running, or it stopped without finishing (the next run reconciles what it left in flight)")
	case dirty:
		opts.Logger.Warn("the last run of this pipeline did not finish; records it left in flight are reconciled first")
	}
	r := &runner{p: p, opts: opts, store: store, limits: limits, sum: sum}
	var outcome Outcome
	var runErr error
	switch p.Kind {
	case config.KindPullCalls:
		outcome, runErr = r.runPull(ctx)
	case config.KindExportContacts:
		outcome, runErr = r.runExport(ctx)
	default:
		outcome, runErr = r.run(ctx)
	}
	if outcome == OutcomeFatal && errors.Is(runErr, context.Canceled) {
		outcome = OutcomeInterrupted // a signal, met while reading or planning
	}
	if cause := context.Cause(ctx); errors.Is(cause, checkpoint.ErrLockLost) {
		// Another process may be running this pipeline now: this run
		// stopped taking work when it noticed, and must not look done.
		outcome, runErr = OutcomeFatal, cause
		sum.Stopped = "fatal: " + cause.Error()
	}
	if r.rejects != nil {
		if err := r.rejects.Close(); err != nil && runErr == nil {
			runErr = fmt.Errorf("rejects file: %w", err)
		}
		if r.rejects.count > 0 {
			sum.Outputs.Rejects = p.Rejects
		}
	}
	if r.ledger == nil {
		// A run that sent nothing (a guard, a dry run, nothing to do)
		// still reports the key's day, as status does.
		sum.Quota.UsedToday = r.usedToday(context.WithoutCancel(ctx))
	}
	sum.ExitCode = outcome
	sum.FinishedAt = opts.Clock.Now().UTC()
	// The API's words may quote a phone or an email: the report is masked
	// like the log.
	sum.Stopped = redact.Text(sum.Stopped)
	var counts any = sum.Counts
	if sum.Pull != nil {
		counts = sum.Pull // what status shows of a pull or export run
	}
	if err := store.FinishRun(context.WithoutCancel(ctx), runID, int(outcome), counts); err != nil && runErr == nil {
		runErr = err
	}
	if p.Kind == config.KindPushContacts && !opts.DryRun && runErr == nil && ctx.Err() == nil {
		compactBaseline(ctx, store, p.Name, opts.Logger)
	}
	return sum, runErr
}

// compactBaseline folds what this run wrote into the checkpoint's
// baseline snapshot, so that the next run reads its baseline in a few
// blobs. The snapshot is a cache of the records: failing to write it
// costs the next run time, nothing else.
func compactBaseline(ctx context.Context, store checkpoint.Store, pipeline string, log *slog.Logger) {
	snap, err := store.CompactBaseline(ctx, pipeline)
	if err != nil {
		log.Warn("could not write the baseline snapshot; the next run reads every record instead", "error", err)
		return
	}
	if snap.Rewritten {
		log.Debug("baseline snapshot written", "records", snap.Entries, "chunks", snap.Chunks, "bytes", snap.Bytes)
	}
}

func (o RunOptions) withDefaults() RunOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Abort == nil {
		o.Abort = context.Background()
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.LockTTL <= 0 {
		o.LockTTL = defaultLockTTL
	}
	return o
}

// openCheckpoint opens the pipeline's checkpoint store: PostgreSQL for a
// postgres:// or postgresql:// URL, SQLite for a file path. Any other URL,
// and a PostgreSQL URL that does not parse, is a configuration error;
// errors never show the password.
func openCheckpoint(ctx context.Context, location string, clk clock.Clock) (checkpoint.Store, error) {
	opts := checkpoint.Options{Clock: clk}
	scheme, _, isURL := strings.Cut(location, "://")
	switch {
	case !isURL:
		s, err := checkpoint.OpenSQLite(ctx, location, opts)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return s, nil
	case scheme == "postgres" || scheme == "postgresql":
		s, err := checkpoint.OpenPostgres(ctx, location, opts)
		if errors.Is(err, checkpoint.ErrInvalid) {
			return nil, configError{err}
		}
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, configError{fmt.Errorf("checkpoint %q: unsupported scheme %q: use a file path (SQLite) or a postgres:// URL",
			checkpoint.RedactDSN(location), scheme)}
	}
}

// ErrLocked is matched when another process holds the pipeline's run lock.
var ErrLocked = errors.New("another run of this pipeline holds its lock")

// holdLock takes the pipeline's run lock and renews it every quarter of
// its lease until release. The context it returns is ctx, canceled with a
// cause wrapping checkpoint.ErrLockLost when the lease is lost: another
// process took the lock over, or renewals failed for longer than the
// lease (the lock may have expired and been taken). The run then stops
// taking work.
func holdLock(ctx context.Context, store checkpoint.Store, pipeline string, opts RunOptions) (context.Context, func(), error) {
	lockTTL := opts.LockTTL
	host, _ := os.Hostname()
	// host:pid:run; the run part starts with a letter so that a log's
	// phone masking does not take it for a number.
	owner := fmt.Sprintf("%s:%d:r%06d", host, os.Getpid(), time.Now().UnixNano()%1e6)
	ok, holder, expires, err := store.AcquireLock(ctx, pipeline, owner, lockTTL)
	if err == nil && !ok && deadLocalOwner(holder, host) {
		// The holder was a process on this host that no longer exists (it
		// crashed or was killed): its lease need not run out.
		opts.Logger.Warn("taking over the run lock of a process that no longer exists", "holder", holder)
		if err = store.ReleaseLock(ctx, pipeline, holder); err == nil {
			ok, holder, expires, err = store.AcquireLock(ctx, pipeline, owner, lockTTL)
		}
	}
	if err != nil {
		return ctx, nil, err
	}
	if !ok {
		where := "on another host"
		if h, _, _ := strings.Cut(holder, ":"); h == host {
			where = "on this host"
		}
		return ctx, nil, fmt.Errorf("%w: %s (%s) holds the lock of pipeline %s until %s (it is renewed while that run lives)",
			ErrLocked, holder, where, pipeline, expires.Format(time.RFC3339))
	}
	runCtx, lost := context.WithCancelCause(ctx)
	renewCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Wall time, whatever clock the run uses: the lease is about real
		// processes on real hosts.
		wall := clock.Real{}
		renewed := wall.Now()
		for wall.Sleep(renewCtx, lockTTL/4) == nil {
			err := store.RenewLock(renewCtx, pipeline, owner, lockTTL)
			switch {
			case err == nil:
				renewed = wall.Now()
				continue
			case renewCtx.Err() != nil:
				return
			case !errors.Is(err, checkpoint.ErrLockLost) && wall.Now().Sub(renewed) < lockTTL*3/4:
				opts.Logger.Warn("could not renew the run lock; trying again", "error", err)
				continue
			}
			if !errors.Is(err, checkpoint.ErrLockLost) {
				err = fmt.Errorf("%w: no renewal for %s: %w", checkpoint.ErrLockLost, wall.Now().Sub(renewed).Round(time.Second), err)
			}
			err = fmt.Errorf("the run lock of pipeline %s was lost, so another process may be running it; this run stopped taking work: %w", pipeline, err)
			opts.Logger.Error("run lock lost", "error", err)
			lost(err)
			return
		}
	}()
	return runCtx, func() {
		stop()
		<-done
		lost(context.Canceled)
		_ = store.ReleaseLock(context.WithoutCancel(ctx), pipeline, owner)
	}, nil
}

// runner is one run's state.
type runner struct {
	p       *config.Pipeline
	opts    RunOptions
	store   checkpoint.Store
	limits  config.Limits
	sum     *RunSummary
	client  *smartalex.Client
	ledger  *ledgerBudget
	rejects *lockedRejects
	cursor  string
}

func (r *runner) run(ctx context.Context) (Outcome, error) {
	plan, ex, err := r.plan(ctx)
	if err != nil {
		return OutcomeFatal, err
	}
	r.sum.Plan = plan
	r.fillPlanCounts(plan, ex)
	if w := r.capWarning(plan); w != "" {
		r.sum.Warnings = append(r.sum.Warnings, w)
	}
	lastRead, err := r.lastCompleteRead(ctx)
	if err != nil {
		return OutcomeFatal, err
	}
	if msg := r.guard(plan, ex, lastRead); msg != "" {
		r.sum.Stopped = "guard: " + msg
		return OutcomeGuard, nil
	}
	if r.opts.DryRun {
		return rowOutcome(ex.Rejected, 0), nil
	}
	r.ledger = r.newLedger(ctx)
	tasks := append(plan.tasks, plan.deletes...)
	if len(tasks) > 0 {
		if err := r.connect(ctx); err != nil {
			return OutcomeFatal, err
		}
		if plan.Adopting {
			if err := r.adopt(ctx, plan); err != nil {
				return r.stopOutcome(err)
			}
		}
		if err := r.settleInFlight(ctx, plan); err != nil {
			if ctx.Err() != nil {
				r.sum.Stopped = "interrupted"
				return OutcomeInterrupted, nil
			}
			return OutcomeFatal, err
		}
	}
	res := r.push(ctx, tasks)
	if err := r.store.Flush(context.WithoutCancel(ctx)); err != nil {
		return OutcomeFatal, fmt.Errorf("checkpoint: %w", err)
	}
	r.fillPushCounts(res)
	r.fillRequests(ctx)
	switch res.Stop {
	case push.StopQuota:
		r.sum.Stopped = "quota: " + quotaReason(res.Err)
		return OutcomeQuota, nil
	case push.StopFatal:
		r.sum.Stopped = "fatal: " + res.Err.Error()
		return OutcomeFatal, res.Err
	case push.StopCanceled:
		r.sum.Stopped = "interrupted"
		return OutcomeInterrupted, nil
	}
	if res.CapReached {
		// Not complete: the creates left out must be planned again, and an
		// incremental source's cursor must not move past their rows.
		r.sum.Stopped = fmt.Sprintf("contact cap: the API refused creates (403 at the %s plan's cap of %d contacts); %d contacts were not created. "+
			"Raise the cap (a larger plan) or remove contacts from the account, then run again", r.limits.Plan, r.limits.ContactCap, res.Deferred)
		return OutcomeRowErrors, nil
	}
	// A failed or unknown write is read again next run; a refusal (400)
	// is the row's data, read again once the row changes: holding the
	// cursor for it would make every later run read more.
	unsettled := res.Failed + res.InDoubt
	if err := r.complete(ctx, plan, unsettled == 0); err != nil {
		return OutcomeFatal, err
	}
	if unsettled > 0 && r.cursor != "" {
		r.sum.Warnings = append(r.sum.Warnings, fmt.Sprintf("the source cursor was not moved: %d rows failed or are in doubt, and the next run reads them again", unsettled))
	}
	return rowOutcome(ex.Rejected, unsettled+res.Rejected), nil
}

func rowOutcome(rejected, failed int) Outcome {
	if rejected+failed > 0 {
		return OutcomeRowErrors
	}
	return OutcomeOK
}

// stopOutcome classifies an error met outside the pool (adoption listing).
func (r *runner) stopOutcome(err error) (Outcome, error) {
	switch smartalex.Classify(err) {
	case smartalex.ClassQuota:
		r.sum.Stopped = "quota: " + quotaReason(err)
		return OutcomeQuota, nil
	case smartalex.ClassCanceled:
		r.sum.Stopped = "interrupted"
		return OutcomeInterrupted, nil
	}
	return OutcomeFatal, err
}

// complete records what only a complete run may: the settings hash that
// enables the fast path, and the SQL cursor.
func (r *runner) complete(ctx context.Context, plan *Plan, moveCursor bool) error {
	if err := r.store.SetMeta(ctx, r.p.Name, "config_hash", plan.configHash); err != nil {
		return err
	}
	// A row whose write failed or is in doubt must be read again: the
	// cursor waits for a run where every write settled.
	if r.cursor != "" && moveCursor {
		return r.store.SetCursor(ctx, r.p.Name, "source", r.cursor)
	}
	return nil
}

// plan reads the whole source and decides every change.
func (r *runner) plan(ctx context.Context) (*Plan, *Extract, error) {
	cursor, _, err := r.store.Cursor(ctx, r.p.Name, "source")
	if err != nil {
		return nil, nil, err
	}
	ex, err := openExtract(ctx, r.p, cursor)
	if err != nil {
		return nil, nil, err
	}
	defer ex.src.Close()
	plan := &Plan{configHash: configHash(r.p, ex.mapping)}
	stored, _, err := r.store.Meta(ctx, r.p.Name, "config_hash")
	if err != nil {
		return nil, nil, err
	}
	plan.SettingsChanged = stored != "" && stored != plan.configHash
	doubt, adopting, dnc := map[string]bool{}, map[string]bool{}, map[string]string{}
	fastPath := stored == plan.configHash && prepare.FastPathAllowed(r.p.Duplicates)
	counts, err := r.store.CountByState(ctx, r.p.Name)
	if err != nil {
		return nil, nil, err
	}
	known := 0
	for _, n := range counts {
		known += n
	}
	differ, err := diff.NewSized(prefetch(ctx, baseline(ctx, r.store, r.p.Name, doubt, adopting, dnc)), fastPath, known)
	if err != nil {
		return nil, nil, err
	}
	listed, _, err := r.store.Meta(ctx, r.p.Name, "remote_listed")
	if err != nil {
		return nil, nil, err
	}
	plan.FirstRun = listed == ""
	plan.holds = differ.HoldsRemote
	rej, err := openRejects(ex.src, r.p.Rejects, ex.mapper.PhoneColumns())
	if err != nil {
		return nil, nil, fmt.Errorf("rejects file: %w", err)
	}
	r.rejects = &lockedRejects{w: rej}
	extract := &Extract{Warnings: ex.warnings}
	pl := &planner{ctx: ctx, p: r.p, store: r.store, differ: differ, doubt: doubt, adopting: adopting, dnc: dnc, plan: plan, ex: extract, rej: r.rejects, settings: plan.SettingsChanged}
	dd := prepare.NewDeduperNoted(r.p.Duplicates, differ)
	var skip *prepare.Skip
	if fastPath {
		skip = &prepare.Skip{
			Hash:  func(row record.Row) record.Hash { return record.RowHash(row.Values) },
			Maybe: differ.MaybeSeen,
			Take:  func(row record.Row, h record.Hash) bool { return differ.Seen(h, row.Line) },
		}
	}
	err = prepare.Stream(ctx, ex.src, ex.prep, workers(), skip, func(it prepare.Item) error { return pl.row(it, dd) })
	if err == nil {
		err = pl.kept(dd.Finish())
	}
	if err == nil {
		err = pl.loadPrevious()
	}
	if err != nil {
		return nil, nil, err
	}
	extract.noteHeaderOnly(ex.src)
	r.cursor = ex.src.MaxCursor()
	r.planDeletes(plan, differ)
	plan.Requests = len(plan.tasks) + len(plan.deletes) + plan.Reconcile
	plan.Adopting = (plan.FirstRun || r.p.Adopt == config.AdoptAlways) && plan.Create > 0
	if plan.Adopting {
		plan.Requests++ // at least one page of the account's contacts, for adoption
	}
	plan.Estimate = estimate(plan.Requests, r.limits)
	return plan, extract, nil
}

// usedToday reads the day's use of the run's key (or, without one, of the
// key the pipeline last ran with) from the ledger; 0 when unknown.
func (r *runner) usedToday(ctx context.Context) int {
	hash := ""
	if r.opts.Key != "" {
		hash = keyHash(r.opts.Key)
	} else if h, _, err := r.store.Meta(ctx, r.p.Name, metaKeyHash); err == nil {
		hash = h
	}
	if hash == "" {
		return 0
	}
	used, _ := r.store.QuotaUsed(ctx, hash, dayName(r.opts.Clock.Now(), r.limits.Day))
	return used
}

func (r *runner) newLedger(ctx context.Context) *ledgerBudget {
	return &ledgerBudget{ctx: ctx, store: r.store, keyHash: keyHash(r.opts.Key), limit: r.limits.PerDay, day: r.limits.Day, clock: r.opts.Clock, settle: r.limits.Minute}
}

// planDeletes turns keys gone from the source into delete or dnc tasks.
// An incremental source (a SQL cursor) shows only the rows that changed,
// so a key it does not show is not gone.
func (r *runner) planDeletes(plan *Plan, d *diff.Differ) {
	if r.p.Source.CursorColumn != "" {
		return
	}
	gone := d.Gone()
	plan.Delete = len(gone)
	if r.p.Deletes.Mode == "off" {
		return
	}
	op := push.OpDelete
	if r.p.Deletes.Mode == "dnc" {
		op = push.OpDNC
	}
	for _, k := range gone {
		plan.deletes = append(plan.deletes, push.Task{Op: op, Entry: push.Entry{Key: k.Key, RemoteID: k.RemoteID, Origin: k.Origin,
			Contact: record.Contact{Key: k.Key, Phone: k.Phone}}})
	}
}
