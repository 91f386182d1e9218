package pipeline

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/alexsync/alexsync/pkg/fileout"
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
	if err := r.connect(ctx); err != nil {
		return OutcomeFatal, err
	}
	cursorText, _, err := r.store.Cursor(ctx, r.p.Name, "calls")
	if err != nil {
		return OutcomeFatal, err
	}
	ident := outputIdentity(r.p)
	prev, _, err := r.store.Meta(ctx, r.p.Name, "output")
	if err != nil {
		return OutcomeFatal, err
	}
	// rebuild is when the output was found not to hold the calls the
	// checkpoint recorded; until a complete run, those records are
	// ignored and the whole window since calls.since is written again.
	rebuild, _, err := r.store.Meta(ctx, r.p.Name, "output_rebuild")
	if err != nil {
		return OutcomeFatal, err
	}
	if why := rebuildReason(r.p, prev, ident); why != "" && cursorText != "" && rebuild == "" {
		r.opts.Logger.Warn(why + ": writing every call since calls.since again")
		r.sum.Warnings = append(r.sum.Warnings, why+": every call since calls.since is written again")
		rebuild = r.opts.Clock.Now().UTC().Format(time.RFC3339Nano)
		if err := r.store.SetMeta(ctx, r.p.Name, "output_rebuild", rebuild); err != nil {
			return OutcomeFatal, err
		}
	}
	var forgetBefore time.Time
	if rebuild != "" {
		forgetBefore, _ = time.Parse(time.RFC3339Nano, rebuild)
		cursorText = ""
	}
	now := r.opts.Clock.Now().UTC()
	from := now.Add(-r.p.Calls.Since)
	if c, err := time.Parse(time.RFC3339Nano, cursorText); err == nil {
		from = c.Add(-r.p.Calls.Settle)
	}
	join, err := r.joiner(ctx)
	if err != nil {
		return OutcomeFatal, err
	}
	// The output outlives a cancelled run: the pull stops listing, and
	// what it wrote is still committed and recorded.
	w, err := openSink(context.WithoutCancel(ctx), r.p)
	if err != nil {
		return OutcomeFatal, err
	}
	q := pull.Query{From: from, To: now, SinceHours: int(math.Ceil(now.Sub(from).Hours())) + 1, Filters: r.p.Calls.Filters}
	res, err := pull.Run(ctx, callsAPI{r.client}, q, callJournal{store: r.store, pipeline: r.p.Name, forgetBefore: forgetBefore}, w,
		pull.Options{Details: r.p.Calls.WantDetails(), Workers: r.workers(), Join: join, Logger: r.opts.Logger})
	r.sum.Pull = &PullCounts{Result: res, From: from.Format(time.RFC3339), Output: outputName(r.p)}
	if err != nil {
		_ = w.Abort() // what the pull committed stays
		return OutcomeFatal, err
	}
	if err := w.Close(); err != nil {
		return OutcomeFatal, fmt.Errorf("output: %w", err)
	}
	if err := r.advanceCursor(ctx, res, cursorText); err != nil {
		return OutcomeFatal, err
	}
	if res.Complete {
		for name, value := range map[string]string{"output": ident, "output_rebuild": ""} {
			if err := r.store.SetMeta(context.WithoutCancel(ctx), r.p.Name, name, value); err != nil {
				return OutcomeFatal, err
			}
		}
	}
	r.fillRequests(ctx)
	r.sum.Pull.ListRequests = r.sum.Requests.ByRoute["GET /calls"]
	return pullOutcome(ctx, r.sum, res.Stop, res.DetailFailed)
}

func pullOutcome(ctx context.Context, sum *RunSummary, stop error, failed int) (Outcome, error) {
	switch {
	case errors.Is(stop, pull.ErrQuota):
		sum.Stopped = "quota: " + quotaReason(stop)
		return OutcomeQuota, nil
	case errors.Is(stop, pull.ErrIncomplete):
		sum.Stopped = "incomplete: " + stop.Error() + "; the next run reads the window again"
		return OutcomeRowErrors, nil
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

// advanceCursor moves the calls cursor to the newest call of a complete
// pull. The calls themselves were recorded chunk by chunk, each after the
// output committed it (see pull.Run); the cursor waits for the whole
// window, because the listing is newest first: a pull that stopped has
// read the newest calls, not the oldest.
func (r *runner) advanceCursor(ctx context.Context, res pull.Result, oldCursor string) error {
	if !res.Complete || res.Newest.IsZero() {
		return nil
	}
	next := res.Newest
	if !res.OldestFailed.IsZero() && res.OldestFailed.Add(r.p.Calls.Settle).Before(next) {
		// A call whose details failed must stay inside the next run's
		// window (cursor - calls.settle), to be fetched again.
		next = res.OldestFailed.Add(r.p.Calls.Settle)
	}
	if old, err := time.Parse(time.RFC3339Nano, oldCursor); err == nil && !next.After(old) {
		return nil
	}
	return r.store.SetCursor(context.WithoutCancel(ctx), r.p.Name, "calls", next.UTC().Format(time.RFC3339Nano))
}

// callJournal is pull.Journal over the checkpoint: a call is a record of
// the pull pipeline keyed by call id, its list hash as RowHash and its
// detail hash as ContactHash.
type callJournal struct {
	store    checkpoint.Store
	pipeline string
	// forgetBefore: records older than this were written to an output
	// that no longer holds them; they count as unknown (zero: none).
	forgetBefore time.Time
}

// outputIdentity names a pull's output for the checkpoint: the file, or
// the database (a fingerprint of its DSN, never the DSN) and tables.
func outputIdentity(p *config.Pipeline) string {
	o := p.Output
	if o.Type != "sql" {
		return o.Type + ":" + o.Path
	}
	dsn, _ := p.OutputDSN()
	sum := sha256.Sum256([]byte(dsn))
	return fmt.Sprintf("sql:%s:%x:%s", o.Driver, sum[:8], o.Prefix())
}

// rebuildReason says why the output does not hold the calls the
// checkpoint recorded as written (the pipeline names another output), or
// "". A file output that is merely gone (taken away each night by the
// next step of a workflow) is not a reason: the pull writes what is new.
func rebuildReason(p *config.Pipeline, prev, ident string) string {
	switch {
	case prev != "" && prev != ident:
		return "the pipeline names another output than last run"
	case prev == "" && p.Output.Type == "sql" && p.Output.Prefix() != "":
		// Recorded before outputs were: the tables had no prefix then.
		return fmt.Sprintf("the SQL output's tables are now prefixed %q (output.table_prefix)", p.Output.Prefix())
	}
	return ""
}

func (j callJournal) Known(ctx context.Context, ids []string) (map[string]pull.Known, error) {
	recs, err := j.store.Lookup(ctx, j.pipeline, ids)
	if err != nil {
		return nil, err
	}
	known := make(map[string]pull.Known, len(recs))
	for id, rec := range recs {
		if rec.UpdatedAt.Before(j.forgetBefore) {
			continue // written to an output that no longer holds it
		}
		known[id] = pull.Known{ListHash: rec.RowHash, DetailHash: rec.ContactHash}
	}
	return known, nil
}

func (j callJournal) Record(ctx context.Context, updates []pull.Update) error {
	for _, u := range updates {
		rec := checkpoint.Record{Pipeline: j.pipeline, Key: u.ID, RowHash: u.ListHash, ContactHash: u.DetailHash, State: checkpoint.StateSynced}
		if err := j.store.Upsert(ctx, rec); err != nil {
			return err
		}
	}
	return j.store.Flush(ctx)
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
	if p.Output.Type == "csv" || p.Output.Type == "xlsx" {
		// The file is merged with the rows it holds: it must be a file,
		// not a device or a pipe (such as /dev/stdout).
		if _, through, err := fileout.Resolve(p.Output.Path); err == nil && through {
			return nil, configError{fmt.Errorf("output.path %s is not a regular file: a pull's output is merged with the rows it already holds", p.Output.Path)}
		}
	}
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
		return sqlsink.OpenWith(ctx, p.Output.Driver, dsn, sqlsink.Options{TablePrefix: p.Output.Prefix()})
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
	opts := smartalex.CallListOptions{FromDate: q.From, ToDate: q.To, SinceHours: q.SinceHours, Status: q.Filters["status"], AgentID: q.Filters["agent_id"],
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
	if errors.Is(err, smartalex.ErrListShifted) {
		return fmt.Errorf("%w: %w", pull.ErrIncomplete, err)
	}
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
