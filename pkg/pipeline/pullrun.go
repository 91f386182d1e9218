package pipeline

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/pull"
	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/sink"
	csvsink "github.com/alexsync/alexsync/pkg/sink/csv"
	sqlsink "github.com/alexsync/alexsync/pkg/sink/sql"
	xlsxsink "github.com/alexsync/alexsync/pkg/sink/xlsx"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

// PullCounts is what a pull-calls or export-contacts run did.
type PullCounts struct {
	pull.Result
	ListRequests int    `json:"list_requests"`
	From         string `json:"from,omitempty"` // the start of the window read
	Output       string `json:"output"`
}

// runPull executes one pull-calls run.
func (r *runner) runPull(ctx context.Context) (Outcome, error) {
	if err := r.connect(); err != nil {
		return OutcomeFatal, err
	}
	r.ledger = r.newLedger()
	cursorText, _, err := r.store.Cursor(ctx, r.p.Name, "calls")
	if err != nil {
		return OutcomeFatal, err
	}
	now := r.opts.Clock.Now().UTC()
	from := now.Add(-r.p.Calls.Since)
	if c, err := time.Parse(time.RFC3339Nano, cursorText); err == nil {
		from = c.Add(-r.p.Calls.Settle)
	}
	known, err := loadKnownCalls(ctx, r.store, r.p.Name)
	if err != nil {
		return OutcomeFatal, err
	}
	join, err := r.joiner(ctx)
	if err != nil {
		return OutcomeFatal, err
	}
	w, err := openSink(ctx, r.p)
	if err != nil {
		return OutcomeFatal, err
	}
	q := pull.Query{From: from, SinceHours: int(math.Ceil(now.Sub(from).Hours())) + 1, Filters: r.p.Calls.Filters}
	res, err := pull.Run(ctx, callsAPI{r.client}, q, known, w, pull.Options{Details: r.p.Calls.WantDetails(), Workers: r.workers(), Join: join, Logger: r.opts.Logger})
	if err != nil {
		_ = w.Abort()
		return OutcomeFatal, err
	}
	if err := w.Close(); err != nil {
		return OutcomeFatal, fmt.Errorf("output: %w", err)
	}
	if err := r.recordPull(ctx, res, cursorText); err != nil {
		return OutcomeFatal, err
	}
	r.sum.Pull = &PullCounts{Result: res, From: from.Format(time.RFC3339), Output: outputName(r.p)}
	r.fillRequests(ctx)
	r.sum.Pull.ListRequests = r.sum.Requests.ByRoute["GET /calls"]
	return pullOutcome(ctx, r.sum, res.Stop, res.DetailFailed)
}

func pullOutcome(ctx context.Context, sum *RunSummary, stop error, failed int) (Outcome, error) {
	switch {
	case errors.Is(stop, pull.ErrQuota):
		sum.Stopped = "quota: " + stop.Error()
		return OutcomeQuota, nil
	case errors.Is(stop, pull.ErrFatal):
		sum.Stopped = "fatal: " + stop.Error()
		return OutcomeFatal, stop
	case stop != nil && ctx.Err() != nil:
		sum.Stopped = "interrupted"
		return OutcomeInterrupted, nil
	case stop != nil:
		return OutcomeFatal, stop
	case failed > 0:
		return OutcomeRowErrors, nil
	}
	return OutcomeOK, nil
}

// recordPull stores, after the output committed, what was written and,
// when the pull was complete, the new cursor.
func (r *runner) recordPull(ctx context.Context, res pull.Result, oldCursor string) error {
	ctx = context.WithoutCancel(ctx)
	for _, u := range res.Updates {
		rec := checkpoint.Record{Pipeline: r.p.Name, Key: u.ID, RowHash: u.ListHash, ContactHash: u.DetailHash, State: checkpoint.StateSynced}
		if err := r.store.Upsert(ctx, rec); err != nil {
			return err
		}
	}
	if err := r.store.Flush(ctx); err != nil {
		return err
	}
	if !res.Complete || res.Newest.IsZero() {
		return nil
	}
	if old, err := time.Parse(time.RFC3339Nano, oldCursor); err == nil && !res.Newest.After(old) {
		return nil
	}
	return r.store.SetCursor(ctx, r.p.Name, "calls", res.Newest.UTC().Format(time.RFC3339Nano))
}

func loadKnownCalls(ctx context.Context, store checkpoint.Store, pipeline string) (map[string]pull.Known, error) {
	known := map[string]pull.Known{}
	for rec, err := range store.Records(ctx, pipeline) {
		if err != nil {
			return nil, err
		}
		known[rec.Key] = pull.Known{ListHash: rec.RowHash, DetailHash: rec.ContactHash}
	}
	return known, nil
}

// joiner maps remote contact ids to the source keys and phones of the
// join pipeline's records.
func (r *runner) joiner(ctx context.Context) (pull.Joiner, error) {
	if r.p.JoinPipeline == "" {
		return nil, nil
	}
	type ref struct{ key, phone string }
	byID := map[string]ref{}
	for rec, err := range r.store.Records(ctx, r.p.JoinPipeline) {
		if err != nil {
			return nil, err
		}
		if rec.RemoteID != "" {
			byID[rec.RemoteID] = ref{rec.Key, rec.Phone}
		}
	}
	if len(byID) == 0 {
		r.opts.Logger.Warn("join_pipeline has no synced records in this checkpoint: calls are not joined", "join_pipeline", r.p.JoinPipeline)
	}
	return func(id string) (string, string, bool) {
		x, ok := byID[id]
		return x.key, x.phone, ok
	}, nil
}

func (r *runner) workers() int {
	if r.opts.Workers > 0 {
		return r.opts.Workers
	}
	return r.p.API.Workers
}

// openSink opens the pipeline's output.
func openSink(ctx context.Context, p *config.Pipeline) (sink.Writer, error) {
	switch p.Output.Type {
	case "csv":
		opts := csvsink.Options{Excel: p.Output.Excel}
		if p.Kind == config.KindExportContacts {
			opts.Main = sink.Contacts.Name
		}
		return csvsink.Open(p.Output.Path, opts)
	case "xlsx":
		return xlsxsink.Open(p.Output.Path)
	case "sql":
		dsn, err := p.OutputDSN()
		if err != nil {
			return nil, configError{err}
		}
		return sqlsink.Open(ctx, p.Output.Driver, dsn)
	}
	return nil, configError{fmt.Errorf("output.type %q is not csv, xlsx or sql", p.Output.Type)}
}

func outputName(p *config.Pipeline) string {
	if p.Output.Type == "sql" {
		return "sql:" + p.Output.Driver
	}
	return p.Output.Path
}

// callsAPI is pull.API over the SmartAlex client.
type callsAPI struct{ c *smartalex.Client }

func (a callsAPI) ListCalls(ctx context.Context, q pull.Query) iter.Seq2[record.Call, error] {
	opts := smartalex.CallListOptions{FromDate: q.From, SinceHours: q.SinceHours, Status: q.Filters["status"], AgentID: q.Filters["agent_id"],
		CampaignID: q.Filters["campaign_id"], Direction: q.Filters["direction"], Sentiment: q.Filters["sentiment"]}
	return func(yield func(record.Call, error) bool) {
		for c, err := range a.c.Calls(ctx, opts) {
			if err != nil {
				yield(record.Call{}, pullError(err))
				return
			}
			if !yield(fromAPICall(c), nil) {
				return
			}
		}
	}
}

func (a callsAPI) GetCall(ctx context.Context, id string) (record.Call, error) {
	c, err := a.c.GetCall(ctx, id)
	if err != nil {
		return record.Call{}, pullError(err)
	}
	return fromAPICall(*c), nil
}

func pullError(err error) error {
	switch smartalex.Classify(err) {
	case smartalex.ClassQuota:
		return fmt.Errorf("%w: %w", pull.ErrQuota, err)
	case smartalex.ClassFatal:
		return fmt.Errorf("%w: %w", pull.ErrFatal, err)
	}
	return err
}

func fromAPICall(c smartalex.Call) record.Call {
	out := record.Call{ID: c.ID, AgentID: c.AgentID, ContactID: c.ContactID, CampaignID: c.CampaignID, Direction: c.Direction,
		Status: c.Status, DurationSeconds: c.DurationSeconds, Sentiment: c.Sentiment, Cost: c.Cost, StartedAt: c.StartTimestamp,
		EndedAt: c.EndTimestamp, Phone: c.PhoneNumber, Summary: c.Summary, RecordingURL: c.RecordingURL}
	for _, l := range c.Transcript {
		out.Transcript = append(out.Transcript, record.TranscriptLine{Offset: l.Timestamp, Speaker: l.Speaker, Text: l.Text})
	}
	return out
}
