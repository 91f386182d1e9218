// Package pull copies call records out of the API into a sink,
// incrementally: each run lists the calls that started since the last
// cursor (minus a settle window, because late fields keep arriving),
// fetches details only for calls that are new or changed, joins them back
// to the source records they were pushed from, and writes them with
// upsert-by-id semantics.
package pull

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"iter"
	"log/slog"
	"math"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/sink"
)

// Errors an API implementation signals (matched with errors.Is); any other
// error fails the call it was for and the pull goes on.
var (
	ErrQuota = errors.New("request quota spent") // stop; the next run resumes
	ErrFatal = errors.New("fatal API error")     // stop
	// ErrIncomplete: the listing ended before its end (records arrived
	// faster than it was paged); what was read is kept, the cursor is not
	// moved, and the next run reads the window again.
	ErrIncomplete = errors.New("listing incomplete")
)

// API is the part of the SmartAlex API a pull needs.
type API interface {
	// ListCalls yields the calls matching q, newest first by start time,
	// each once. An error is yielded once, last.
	ListCalls(ctx context.Context, q Query) iter.Seq2[record.Call, error]
	// GetCall returns one call with its late fields (summary, transcript,
	// recording).
	GetCall(ctx context.Context, id string) (record.Call, error)
}

// Query selects calls.
type Query struct {
	From       time.Time         // calls that started at or after
	To         time.Time         // calls that started at or before (zero: no bound); pins the list while it is paged
	SinceHours int               // the same bound for servers that only know since_hours
	Filters    map[string]string // status, agent_id, campaign_id, direction, sentiment
}

// Known is what earlier runs stored for one call.
type Known struct {
	ListHash   string // of the call as listed
	DetailHash string // of its late fields; "" when never fetched
}

// Journal is where a pull keeps what it wrote (the checkpoint): the pull
// reads it for the calls it lists and writes it after each sink Commit.
type Journal interface {
	// Known returns what earlier runs, and earlier commits of this run,
	// recorded for those of ids that have an entry.
	Known(ctx context.Context, ids []string) (map[string]Known, error)
	// Record stores updates; it returns once they are durable.
	Record(ctx context.Context, updates []Update) error
}

// Joiner maps a SmartAlex contact id to the source key and phone alexsync
// pushed it from.
type Joiner func(contactID string) (key, phone string, ok bool)

// Options tune a pull.
type Options struct {
	Details bool // fetch each new or changed call's details
	Workers int  // concurrent detail requests (default 4)
	Join    Joiner
	Logger  *slog.Logger
	// Batch is how many listed calls are looked up in the journal, and at
	// most how many are written per sink call (default 500).
	Batch int
	// Chunk is how many written calls make the pull commit the sink and
	// record them in the journal (default 5,000): memory holds about one
	// chunk's updates and the sink's keys since its last commit, and a
	// crash loses at most a chunk's work.
	Chunk int
	// CommitEvery also commits once this long has passed since the last
	// commit (default 1 minute; negative: never), so that a crash of a
	// slow, quota-paced pull loses minutes of requests, not hours. It is
	// wall time on purpose: it bounds lost work, and is not part of the
	// business time a test clock models.
	CommitEvery time.Duration
}

// Update is what to record for a written call once the sink committed.
type Update struct {
	ID         string
	StartedAt  time.Time
	ListHash   string
	DetailHash string
}

// Result counts a pull.
type Result struct {
	Listed         int `json:"listed"`
	New            int `json:"new"`
	Changed        int `json:"changed"`
	Unchanged      int `json:"unchanged"`
	Written        int `json:"written"` // committed to the sink and recorded
	DetailRequests int `json:"detail_requests"`
	DetailFailed   int `json:"detail_failed"`
	Commits        int `json:"commits"` // sink commits, each followed by a journal record
	// Complete: every listed call was handled, so the cursor may advance
	// to Newest. A pull stopped early leaves the cursor where it was.
	Complete bool      `json:"complete"`
	Newest   time.Time `json:"newest"`
	Stop     error     `json:"-"` // the quota or fatal error that stopped the pull
	// OldestFailed is the start of the oldest call whose details failed
	// (zero: none): the next run must list it again.
	OldestFailed time.Time `json:"-"`
}

// Run lists q and writes every new or changed call to w, committing w and
// recording the written calls in j every Options.Chunk calls and at the
// end, in that order: a call is recorded only once the sink durably holds
// it, so a pull that crashes or stops between two commits resumes, next
// run, with the calls recorded as known (not written again) and the
// others listed again. A call the sink holds but j does not (a crash
// between the two) is written again, which the sink's upsert by id makes
// harmless. On an error Run returns after the last commit; the caller
// aborts w, which discards only what was not committed.
func Run(ctx context.Context, api API, q Query, j Journal, w sink.Writer, opts Options) (Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Chunk <= 0 {
		opts.Chunk = 5000
	}
	if opts.CommitEvery == 0 {
		opts.CommitEvery = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &puller{api: api, j: j, w: w, opts: opts, lastCommit: time.Now()}
	listed := make([]record.Call, 0, opts.Batch)
	for c, err := range api.ListCalls(ctx, q) {
		if err != nil {
			if errors.Is(err, ErrQuota) || errors.Is(err, ErrFatal) || errors.Is(err, ErrIncomplete) || ctx.Err() != nil {
				p.res.Stop = err
				return p.finish(ctx, listed)
			}
			return p.res, err
		}
		if !c.StartedAt.IsZero() && c.StartedAt.Before(q.From) {
			break // newest first: everything after is older still
		}
		p.res.Listed++
		if c.StartedAt.After(p.res.Newest) {
			p.res.Newest = c.StartedAt
		}
		if listed = append(listed, c); len(listed) < opts.Batch {
			continue
		}
		if err := p.handle(ctx, listed); err != nil {
			return p.res, err
		}
		if p.res.Stop != nil {
			return p.res, p.commit(ctx)
		}
		listed = listed[:0]
		if p.due() {
			if err := p.commit(ctx); err != nil {
				return p.res, err
			}
		}
	}
	if _, err := p.finish(ctx, listed); err != nil || p.res.Stop != nil {
		return p.res, err
	}
	p.res.Complete = true
	return p.res, nil
}

type puller struct {
	api        API
	j          Journal
	w          sink.Writer
	opts       Options
	res        Result
	updates    []Update // written since the last commit
	lastCommit time.Time
}

// finish handles the calls listed last and commits.
func (p *puller) finish(ctx context.Context, listed []record.Call) (Result, error) {
	if err := p.handle(ctx, listed); err != nil {
		return p.res, err
	}
	return p.res, p.commit(ctx)
}

// due reports whether the calls written since the last commit make a
// chunk, or have waited long enough.
func (p *puller) due() bool {
	if len(p.updates) >= p.opts.Chunk {
		return true
	}
	return len(p.updates) > 0 && p.opts.CommitEvery > 0 && time.Since(p.lastCommit) >= p.opts.CommitEvery
}

// commit makes the sink durable, then records what it now holds. The
// journal is written even when ctx is done: the sink already holds the
// calls, and recording them saves the next run from writing them again.
func (p *puller) commit(ctx context.Context) error {
	if len(p.updates) == 0 {
		return nil
	}
	if err := p.w.Commit(); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	p.opts.Logger.Debug("output committed", "calls", len(p.updates))
	if err := p.j.Record(context.WithoutCancel(ctx), p.updates); err != nil {
		return err
	}
	p.res.Written += len(p.updates)
	p.res.Commits++
	p.opts.Logger.Debug("calls recorded", "calls", len(p.updates), "written", p.res.Written)
	clear(p.updates)
	p.updates = p.updates[:0]
	p.lastCommit = time.Now()
	return nil
}

// handle looks the listed calls up in the journal and writes those that
// are new or changed.
func (p *puller) handle(ctx context.Context, listed []record.Call) error {
	if len(listed) == 0 {
		return nil
	}
	ids := make([]string, len(listed))
	for i, c := range listed {
		ids[i] = c.ID
	}
	// A stopped pull still writes what it listed: the lookup is local.
	known, err := p.j.Known(context.WithoutCancel(ctx), ids)
	if err != nil {
		return err
	}
	var batch []record.Call
	for i := range listed {
		// Joined first: a CRM key that became known since (the push
		// confirmed the contact later) is a change to write.
		p.join(&listed[i])
	}
	for _, c := range listed {
		if p.changed(c, known) {
			batch = append(batch, c)
		}
	}
	return p.write(ctx, batch)
}

// join fills c's CRM key (and phone, when the API gave none) from the
// push pipeline's records.
func (p *puller) join(c *record.Call) {
	if p.opts.Join != nil && c.ContactID != "" {
		if key, phone, ok := p.opts.Join(c.ContactID); ok {
			c.ExternalKey, c.Phone = key, firstNonEmpty(c.Phone, phone)
		}
	}
}

// changed counts a listed call as new, changed or unchanged.
func (p *puller) changed(c record.Call, known map[string]Known) bool {
	k, ok := known[c.ID]
	switch {
	case !ok:
		p.res.New++
	case k.ListHash != ListHash(c) || (p.opts.Details && k.DetailHash == ""):
		p.res.Changed++
	default:
		p.res.Unchanged++
		return false
	}
	return true
}

// write fetches the batch's details, joins it and writes it to the sink.
func (p *puller) write(ctx context.Context, batch []record.Call) error {
	if len(batch) == 0 {
		return nil
	}
	calls := make([]record.Call, len(batch))
	copy(calls, batch)
	details := make([]bool, len(calls))
	if p.opts.Details {
		p.fetch(ctx, calls, details)
	}
	rows := make([]sink.Row, 0, len(calls))
	var lines []sink.Row
	for i := range calls {
		c := &calls[i]
		p.join(c)
		rows = append(rows, CallRow(*c))
		if details[i] {
			lines = append(lines, TranscriptRows(*c)...)
		}
		u := Update{ID: c.ID, StartedAt: c.StartedAt, ListHash: ListHash(batch[i])}
		if details[i] {
			u.DetailHash = DetailHash(*c)
		} else if p.opts.Details {
			u.ListHash = "" // details failed: fetch again next run
		}
		p.updates = append(p.updates, u)
	}
	if err := p.w.Replace(sink.Calls, rows); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if p.opts.Details {
		// Calls whose details failed keep their earlier lines: replace only
		// the lines of calls fetched now.
		if err := p.w.Replace(sink.TranscriptLines, lines); err != nil {
			return fmt.Errorf("output: %w", err)
		}
	}
	return nil
}

// fetch gets details for calls on a bounded pool; details[i] says whether
// calls[i] now carries them.
func (p *puller) fetch(ctx context.Context, calls []record.Call, details []bool) {
	var g errgroup.Group
	g.SetLimit(p.opts.Workers)
	results := make([]error, len(calls))
	for i := range calls {
		g.Go(func() error {
			d, err := p.api.GetCall(ctx, calls[i].ID)
			if err == nil {
				calls[i] = merge(calls[i], d)
				details[i] = true
			}
			results[i] = err
			return nil
		})
	}
	_ = g.Wait()
	for i, err := range results {
		p.res.DetailRequests++
		switch {
		case err == nil:
		case errors.Is(err, ErrQuota) || errors.Is(err, ErrFatal):
			if p.res.Stop == nil {
				p.res.Stop = err
			}
			p.res.DetailRequests--
		default:
			p.res.DetailFailed++
			if t := calls[i].StartedAt; !t.IsZero() && (p.res.OldestFailed.IsZero() || t.Before(p.res.OldestFailed)) {
				p.res.OldestFailed = t
			}
			p.opts.Logger.Warn("call details failed; the call is written without them and fetched again next run", "call", calls[i].ID, "error", err)
		}
	}
}

// merge takes the detail's late fields over the listed call.
func merge(listed, d record.Call) record.Call {
	out := d
	if out.ContactID == "" {
		out.ContactID = listed.ContactID
	}
	if out.Phone == "" {
		out.Phone = listed.Phone
	}
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ListHash fingerprints the fields a call list shows.
func ListHash(c record.Call) string {
	h := sha256.New()
	for _, s := range []string{c.ID, c.AgentID, c.ContactID, c.CampaignID, c.Direction, c.Status, c.Sentiment, c.Summary, c.RecordingURL, c.Phone, c.ExternalKey} {
		writeString(h, s)
	}
	writeFloat(h, c.DurationSeconds)
	if c.Cost != nil {
		writeFloat(h, *c.Cost)
	} else {
		writeFloat(h, math.NaN())
	}
	writeString(h, c.StartedAt.UTC().Format(time.RFC3339Nano))
	writeString(h, c.EndedAt.UTC().Format(time.RFC3339Nano))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// DetailHash fingerprints a call's late fields.
func DetailHash(c record.Call) string {
	h := sha256.New()
	for _, s := range []string{c.Summary, c.Sentiment, c.RecordingURL} {
		writeString(h, s)
	}
	for _, l := range c.Transcript {
		writeFloat(h, l.Offset)
		writeString(h, l.Speaker)
		writeString(h, l.Text)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func writeString(h hash.Hash, s string) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func writeFloat(h hash.Hash, f float64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(f))
	h.Write(b[:])
}

// CallRow is a call as a row of sink.Calls.
func CallRow(c record.Call) sink.Row {
	var cost any
	if c.Cost != nil {
		cost = *c.Cost
	}
	return sink.Row{c.ID, c.StartedAt.UTC(), c.EndedAt.UTC(), c.Status, c.Direction, c.DurationSeconds, cost, c.Sentiment,
		c.AgentID, c.CampaignID, c.ContactID, c.ExternalKey, c.Phone, c.Summary, c.RecordingURL}
}

// TranscriptRows are a call's transcript as rows of sink.TranscriptLines.
func TranscriptRows(c record.Call) []sink.Row {
	rows := make([]sink.Row, len(c.Transcript))
	for i, l := range c.Transcript {
		rows[i] = sink.Row{c.ID, l.Offset, l.Speaker, l.Text}
	}
	return rows
}
