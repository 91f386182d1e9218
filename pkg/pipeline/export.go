package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/alexsync/alexsync/pkg/pull"
	"github.com/alexsync/alexsync/pkg/sink"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

// runExport executes one export-contacts run: every remote contact (100
// per request) to the output, with the source key where alexsync knows it.
func (r *runner) runExport(ctx context.Context) (Outcome, error) {
	if err := r.connect(ctx); err != nil {
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
	var res pull.Result
	var batch []sink.Row
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := w.Replace(sink.Contacts, batch); err != nil {
			return fmt.Errorf("output: %w", err)
		}
		res.Written += len(batch)
		batch = batch[:0]
		return nil
	}
	var stop error
	for c, err := range r.client.Contacts(ctx, smartalex.ContactListOptions{}) {
		if err != nil {
			stop = pullError(err)
			break
		}
		res.Listed++
		batch = append(batch, contactRow(c, join))
		if len(batch) == 500 {
			if err := flush(); err != nil {
				_ = w.Abort()
				return OutcomeFatal, err
			}
		}
	}
	if err := flush(); err != nil {
		_ = w.Abort()
		return OutcomeFatal, err
	}
	if stop != nil && ctx.Err() == nil && !isStop(stop) {
		_ = w.Abort()
		return OutcomeFatal, stop
	}
	if err := w.Close(); err != nil {
		return OutcomeFatal, fmt.Errorf("output: %w", err)
	}
	res.Complete = stop == nil
	r.sum.Pull = &PullCounts{Result: res, Output: outputName(r.p)}
	r.fillRequests(ctx)
	r.sum.Pull.ListRequests = r.sum.Requests.ByRoute["GET /contacts"]
	return pullOutcome(ctx, r.sum, stop, 0)
}

func isStop(err error) bool {
	return errors.Is(err, pull.ErrQuota) || errors.Is(err, pull.ErrFatal) || errors.Is(err, pull.ErrIncomplete)
}

func contactRow(c smartalex.Contact, join pull.Joiner) sink.Row {
	key := ""
	if join != nil {
		key, _, _ = join(c.ID)
	}
	// JSON, so that a tag holding ";" or a value holding "=" reads back as
	// it was ("" when there is none).
	tags, md := "", ""
	if len(c.Tags) > 0 {
		b, _ := json.Marshal(c.Tags) // strings: cannot fail
		tags = string(b)
	}
	if len(c.Metadata) > 0 {
		b, _ := json.Marshal(c.Metadata) // keys sorted
		md = string(b)
	}
	return sink.Row{c.ID, key, c.Phone, c.FirstName, c.LastName, c.Email, c.Company, c.Title, tags, c.Status, md,
		c.CreatedAt.UTC(), c.UpdatedAt.UTC()}
}
