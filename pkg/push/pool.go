package push

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/alexsync/alexsync/pkg/record"
)

// Options tune a push.
type Options struct {
	// Workers is how many requests run at once (default 4).
	Workers int
	// Abort, when done, cancels the requests in flight (a second Ctrl-C).
	// Until then they finish even after the run's ctx is cancelled.
	Abort context.Context
	// OnReject receives a row error for every contact the API refused.
	// Calls are serialized.
	OnReject func(*record.RowError)
	// OnDone is called after every task with its outcome, serialized; for
	// progress display.
	OnDone func(Task, string)
	// Logger receives one line per failure (masked: no phone, no email).
	Logger *slog.Logger
}

// Counts are what a push did.
type Counts struct {
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	Adopted    int `json:"adopted"`
	Reconciled int `json:"reconciled"`
	Deleted    int `json:"deleted"`
	DNC        int `json:"dnc"`
	Failed     int `json:"failed"`
	InDoubt    int `json:"in_doubt"`
	Rejected   int `json:"rejected"`
	Deferred   int `json:"deferred"` // not sent: the run stopped first
}

// Stop says why a push ended before its tasks did.
type Stop int

// Stop reasons.
const (
	StopNone     Stop = iota // every task ran
	StopQuota                // a request quota is spent
	StopFatal                // a fatal answer, or the journal failed
	StopCanceled             // the run's ctx was cancelled (a signal)
)

// Result is the outcome of a push.
type Result struct {
	Counts
	Stop Stop
	Err  error // why it stopped (quota or fatal), nil otherwise
	// CapReached: the API refused a create with 403 (the plan's contact
	// cap), so the run sent no more creates; updates and deletes went on.
	// The creates not sent count as Deferred.
	CapReached bool
}

// Run executes tasks on a bounded pool. It returns when every started task
// has finished: on a spent quota or a fatal error it stops starting tasks
// (the rest count as deferred, untouched in the journal); on ctx
// cancellation likewise, with Stop StopCanceled.
func Run(ctx context.Context, tasks iter.Seq[Task], api API, j Journal, opts Options) Result {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Abort == nil {
		opts.Abort = context.Background()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &pusher{api: api, j: j, opts: opts}
	var g errgroup.Group
	g.SetLimit(opts.Workers)
	for t := range tasks {
		if ctx.Err() != nil {
			p.stop(StopCanceled, ctx.Err())
		}
		if p.stopped() {
			p.finish(t, outDeferred)
			continue
		}
		g.Go(func() error {
			p.finish(t, p.exec(t))
			return nil
		})
	}
	_ = g.Wait() // tasks never return errors: outcomes are counted
	return p.res
}

// pusher is one push's shared state.
type pusher struct {
	api  API
	j    Journal
	opts Options

	mu  sync.Mutex
	res Result
}

func (p *pusher) stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.res.Stop != StopNone
}

func (p *pusher) stop(s Stop, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.res.Stop == StopNone || (s == StopFatal && p.res.Stop != StopFatal) {
		p.res.Stop, p.res.Err = s, err
	}
}

func (p *pusher) createsStopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.res.CapReached || p.res.Stop != StopNone
}

// Outcomes of one task, as counted.
const (
	outCreated    = "created"
	outUpdated    = "updated"
	outAdopted    = "adopted"
	outReconciled = "reconciled"
	outDeleted    = "deleted"
	outDNC        = "dnc"
	outFailed     = "failed"
	outInDoubt    = "in_doubt"
	outRejected   = "rejected"
	outDeferred   = "deferred"
)

func (p *pusher) finish(t Task, outcome string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &p.res.Counts
	switch outcome {
	case outCreated:
		c.Created++
	case outUpdated:
		c.Updated++
	case outAdopted:
		c.Adopted++
	case outReconciled:
		c.Reconciled++
	case outDeleted:
		c.Deleted++
	case outDNC:
		c.DNC++
	case outFailed:
		c.Failed++
	case outInDoubt:
		c.InDoubt++
	case outRejected:
		c.Rejected++
	case outDeferred:
		c.Deferred++
	}
	if p.opts.OnDone != nil {
		p.opts.OnDone(t, outcome)
	}
}

func (p *pusher) reject(t Task, err error) {
	if p.opts.OnReject == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.opts.OnReject(&record.RowError{Line: t.Row.Line, Code: "api_rejected", Err: err, Values: t.Row.Values})
}

// errJournal marks a journal failure: the run cannot go on safely.
type errJournal struct{ err error }

func (e errJournal) Error() string { return "checkpoint: " + e.err.Error() }
func (e errJournal) Unwrap() error { return e.err }

// IsJournalError reports whether err came from the journal.
func IsJournalError(err error) bool {
	var je errJournal
	return errors.As(err, &je)
}
