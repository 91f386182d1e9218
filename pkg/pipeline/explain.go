package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/prepare"
	"github.com/alexsync/alexsync/pkg/record"
)

// Explanation is the history of one record (`alexsync explain`). It holds
// the record's full values: it is shown to the person who asked, never
// logged.
type Explanation struct {
	Pipeline   string        `json:"pipeline"`
	Key        string        `json:"key"`
	Source     string        `json:"source"`
	InSource   bool          `json:"in_source"`
	Line       int           `json:"line,omitempty"`
	Row        []Field       `json:"row,omitempty"`        // the source row as read, column by column
	Contact    *ContactView  `json:"contact,omitempty"`    // as it would be sent now
	Rejected   *RejectNote   `json:"rejected,omitempty"`   // why it cannot be sent now
	Checkpoint *RecordView   `json:"checkpoint,omitempty"` // what earlier runs recorded
	Attempts   []AttemptView `json:"attempts,omitempty"`
}

// Field is one column of a row.
type Field struct {
	Column string `json:"column"`
	Value  string `json:"value"`
}

// ContactView is a normalized contact with the phone's reason codes.
type ContactView struct {
	Phone        string            `json:"phone"`
	PhoneReason  string            `json:"phone_reason"`
	PhoneRepairs []string          `json:"phone_repairs,omitempty"`
	PhoneType    string            `json:"phone_type,omitempty"`
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name,omitempty"`
	Email        string            `json:"email,omitempty"`
	Company      string            `json:"company,omitempty"`
	Title        string            `json:"title,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
}

// RecordView is the checkpoint's record of a key.
type RecordView struct {
	State     string          `json:"state"`
	RemoteID  string          `json:"remote_id,omitempty"`
	Origin    string          `json:"origin,omitempty"`
	Line      int64           `json:"line,omitempty"`
	Attempts  int             `json:"attempts_since_confirmed"`
	LastError string          `json:"last_error,omitempty"`
	SyncedAt  *time.Time      `json:"synced_at,omitempty"`
	UpdatedAt time.Time       `json:"updated_at"`
	Contact   json.RawMessage `json:"confirmed_contact,omitempty"`
}

// AttemptView is one request made for the record.
type AttemptView struct {
	At        time.Time `json:"at"`
	Action    string    `json:"action"`
	Outcome   string    `json:"outcome"`
	Status    int       `json:"status,omitempty"`
	Error     string    `json:"error,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
}

// ErrUnknownKey is returned when neither the source nor the checkpoint
// knows the key.
var ErrUnknownKey = errors.New("no such key in the source or the checkpoint")

// Explain finds key in the current source (reading it through the
// pipeline's mapping and normalization) and in the checkpoint. It sends
// no request.
func Explain(ctx context.Context, p *config.Pipeline, key string, clk clock.Clock) (*Explanation, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	if p.Kind != config.KindPushContacts {
		return nil, configError{fmt.Errorf("%s: explain follows one contact of a push-contacts pipeline; this is a %s pipeline (its records are in %s)",
			p.Path, p.Kind, orNone(p.Output.Path))}
	}
	key = strings.ReplaceAll(strings.TrimSpace(key), " | ", keySep)
	ex := &Explanation{Pipeline: p.Name, Key: key, Source: describe(p)}
	if err := ex.fromSource(ctx, p); err != nil {
		return nil, err
	}
	store, err := openCheckpoint(ctx, p.Checkpoint, clk)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if err := ex.fromCheckpoint(ctx, store, p.Name); err != nil {
		return nil, err
	}
	if !ex.InSource && ex.Checkpoint == nil && len(ex.Attempts) == 0 {
		return nil, configError{fmt.Errorf("%q: %w", key, ErrUnknownKey)}
	}
	return ex, nil
}

// keySep is the separator mapping uses between key columns.
const keySep = "\x1f"

func (ex *Explanation) fromSource(ctx context.Context, p *config.Pipeline) error {
	x, err := openExtract(ctx, p, "")
	if err != nil {
		return err
	}
	defer x.src.Close()
	header := x.src.Header()
	errFound := errors.New("found")
	err = prepare.Stream(ctx, x.src, x.prep, workers(), nil, func(it prepare.Item) error {
		switch {
		case it.Err == nil && it.Prepared.Contact.Key == ex.Key:
			ex.found(header, it.Prepared.Row)
			ex.Contact = contactView(it.Prepared)
		case it.Err != nil && x.keyOf(it.Err) == ex.Key:
			ex.found(header, record.Row{Line: it.Err.Line, Values: it.Err.Values})
			note := RejectNote{Line: it.Err.Line, Column: it.Err.Column, Code: it.Err.Code, Message: it.Err.Code}
			if it.Err.Err != nil {
				note.Message = it.Err.Err.Error()
			}
			ex.Rejected = &note
		default:
			return nil
		}
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return err
	}
	return nil
}

// keyOf recovers the key of a rejected row when the mapping keys by
// columns (a row keyed by its phone has no key once the phone is bad).
func (x *extractor) keyOf(re *record.RowError) string {
	if len(x.mapper.KeyColumns()) == 0 || re.Values == nil {
		return ""
	}
	m, _ := x.mapper.Apply(record.Row{Line: re.Line, Values: re.Values})
	return m.Key
}

func (ex *Explanation) found(header []string, row record.Row) {
	ex.InSource, ex.Line = true, row.Line
	for i, v := range row.Values {
		col := ""
		if i < len(header) {
			col = header[i]
		}
		ex.Row = append(ex.Row, Field{Column: col, Value: v})
	}
}

func contactView(p prepare.Prepared) *ContactView {
	c := p.Contact
	v := &ContactView{Phone: c.Phone, PhoneReason: string(p.Phone.Reason), PhoneType: p.Phone.Type, FirstName: c.FirstName,
		LastName: c.LastName, Email: c.Email, Company: c.Company, Title: c.Title, Tags: c.Tags, Metadata: c.Metadata}
	for _, r := range p.Phone.Repairs {
		v.PhoneRepairs = append(v.PhoneRepairs, string(r))
	}
	return v
}

func (ex *Explanation) fromCheckpoint(ctx context.Context, store checkpoint.Store, pipeline string) error {
	r, ok, err := store.Get(ctx, pipeline, ex.Key)
	if err != nil {
		return err
	}
	if !ok {
		// Deleted from the account and forgotten: the history is kept.
		return ex.loadAttempts(ctx, store, pipeline)
	}
	rv := &RecordView{State: string(r.State), RemoteID: r.RemoteID, Origin: string(r.Origin), Line: r.Line,
		Attempts: r.Attempts, LastError: r.LastError, UpdatedAt: r.UpdatedAt.UTC()}
	if !r.SyncedAt.IsZero() {
		t := r.SyncedAt.UTC()
		rv.SyncedAt = &t
	}
	if r.Contact != "" {
		rv.Contact = json.RawMessage(r.Contact)
	}
	ex.Checkpoint = rv
	return ex.loadAttempts(ctx, store, pipeline)
}

// loadAttempts reads the key's history.
func (ex *Explanation) loadAttempts(ctx context.Context, store checkpoint.Store, pipeline string) error {
	atts, err := store.Attempts(ctx, pipeline, ex.Key)
	if err != nil {
		return err
	}
	for _, a := range atts {
		ex.Attempts = append(ex.Attempts, AttemptView{At: a.At.UTC(), Action: string(a.Action), Outcome: a.Outcome, Status: a.Status, Error: a.Error, RequestID: a.RequestID})
	}
	return nil
}

// orNone is s, or "its output" when s is empty (a SQL output).
func orNone(s string) string {
	if s == "" {
		return "its output"
	}
	return s
}
