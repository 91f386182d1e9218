package smartalex

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// CallListOptions filters the call list. SinceHours is the newer filter;
// FromDate, ToDate, AgentID, CampaignID, Direction and Sentiment come from
// the older reference and may be ignored by a server that lacks them.
type CallListOptions struct {
	ListOptions
	Status     string    // call_status: completed, voicemail, no_answer, failed, transferred
	SinceHours int       // calls that started in the last N hours
	FromDate   time.Time // calls that started at or after
	ToDate     time.Time // calls that started at or before
	AgentID    string
	CampaignID string
	Direction  string // inbound, outbound, web
	Sentiment  string // positive, neutral, negative, flagged
}

func (o CallListOptions) query() url.Values {
	q := url.Values{}
	o.ListOptions.apply(q)
	setIf(q, "status", o.Status)
	if o.SinceHours > 0 {
		q.Set("since_hours", strconv.Itoa(o.SinceHours))
	}
	if !o.FromDate.IsZero() {
		q.Set("from_date", o.FromDate.UTC().Format(time.RFC3339))
	}
	if !o.ToDate.IsZero() {
		q.Set("to_date", o.ToDate.UTC().Format(time.RFC3339))
	}
	setIf(q, "agent_id", o.AgentID)
	setIf(q, "campaign_id", o.CampaignID)
	setIf(q, "direction", o.Direction)
	setIf(q, "sentiment", o.Sentiment)
	return q
}

// ListCalls returns one page of calls, newest first by start time.
func (c *Client) ListCalls(ctx context.Context, opts CallListOptions) ([]Call, *Response, error) {
	var out []Call
	res, err := c.do(ctx, &request{method: http.MethodGet, path: "/calls", query: opts.query(), idempotent: true}, &out)
	return out, res, err
}

// Calls iterates over every call matching opts (its paging fields are
// ignored), newest first, at MaxPerPage per request.
func (c *Client) Calls(ctx context.Context, opts CallListOptions) iter.Seq2[Call, error] {
	return paginate(ctx, func(ctx context.Context, page, perPage int) ([]Call, *Response, error) {
		o := opts
		o.Page, o.PerPage = page, perPage
		return c.ListCalls(ctx, o)
	}, func(cl Call) string { return cl.ID })
}

// GetCall returns one call with its summary, transcript and recording URL.
func (c *Client) GetCall(ctx context.Context, id string) (*Call, error) {
	path, err := idPath("/calls", id)
	if err != nil {
		return nil, err
	}
	var out Call
	if _, err := c.do(ctx, &request{method: http.MethodGet, path: path, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
