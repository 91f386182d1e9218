package sim

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// call is one simulated call. Summary, Sentiment, Transcript and
// RecordingURL exist from creation but are served only from
// End+LateAfter on, as the real late fields are.
type call struct {
	ID           string    `json:"id"`
	Seq          uint64    `json:"seq"`
	AgentID      string    `json:"agent_id"`
	ContactID    string    `json:"contact_id,omitempty"`
	CampaignID   string    `json:"campaign_id,omitempty"`
	Direction    string    `json:"direction"`
	Status       string    `json:"status"`
	Duration     int       `json:"duration"`
	Sentiment    string    `json:"sentiment,omitempty"`
	Cost         *float64  `json:"cost"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	PhoneNumber  string    `json:"phone_number"`
	Summary      string    `json:"summary,omitempty"`
	Transcript   []turn    `json:"transcript,omitempty"`
	RecordingURL string    `json:"recording_url,omitempty"`
}

// turn is one line of a transcript; Timestamp is seconds from the start.
type turn struct {
	Speaker   string `json:"speaker"`
	Text      string `json:"text"`
	Timestamp int    `json:"timestamp"`
}

func cmpCall(a, b *call) int {
	return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Seq, b.Seq))
}

var (
	callStatuses = []string{"completed", "voicemail", "no_answer", "failed", "transferred"}
	directions   = []string{"inbound", "outbound", "web"}
	sentiments   = []string{"positive", "neutral", "negative", "flagged"}
)

// late reports whether c's late fields are visible at now.
func (s *Server) late(c *call, now time.Time) bool {
	return !now.Before(c.End.Add(s.opts.LateAfter))
}

// renderCall builds the wire form of c in its record's shape. List items
// (detail false) omit the transcript; the detail carries it.
func (s *Server) renderCall(c *call, now time.Time, detail bool) map[string]any {
	m := map[string]any{
		"id":            c.ID,
		"agent_id":      c.AgentID,
		"campaign_id":   nullable(c.CampaignID),
		"direction":     c.Direction,
		"cost":          c.Cost,
		"end_timestamp": timestamp(c.End),
		"sentiment":     nil,
		"summary":       nil,
		"recording_url": nil,
	}
	late := s.late(c, now)
	if late {
		m["sentiment"] = nullable(c.Sentiment)
		m["summary"] = nullable(c.Summary)
		m["recording_url"] = nullable(c.RecordingURL)
	}
	if detail {
		m["transcript"] = nil
		if late && len(c.Transcript) > 0 {
			m["transcript"] = c.Transcript
		}
	}
	if s.oldShape(c.ID) {
		m["status"] = c.Status
		m["duration"] = c.Duration
		m["created_at"] = timestamp(c.Start)
		m["phone_number"] = c.PhoneNumber
		m["contact"] = nil
		if c.ContactID != "" {
			m["contact"] = map[string]any{"id": c.ContactID}
		}
		return m
	}
	m["call_status"] = c.Status
	m["duration_seconds"] = c.Duration
	m["contact_id"] = nullable(c.ContactID)
	m["start_timestamp"] = timestamp(c.Start)
	return m
}

func listCalls(s *Server, q *request) reply {
	page, per, bad := pageParams(q.URL.Query())
	if bad != nil {
		return *bad
	}
	match, bad := s.callFilter(q)
	if bad != nil {
		return *bad
	}
	var items []any
	total := 0
	for i := len(s.w.Calls) - 1; i >= 0; i-- {
		c := s.w.Calls[i]
		if !match(c) {
			continue
		}
		total++
		if onPage(total, page, per) {
			items = append(items, s.renderCall(c, q.now, false))
		}
	}
	return listReply(items, total, page, per)
}

// callFilter parses the list filters into a predicate, or a 400 reply.
func (s *Server) callFilter(q *request) (func(*call) bool, *reply) {
	v := q.URL.Query()
	var from, to time.Time
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from_date", &from}, {"to_date", &to}} {
		if raw := v.Get(p.name); raw != "" {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				return nil, badRequest("%s %q is not an RFC 3339 time", p.name, raw)
			}
			*p.dst = t
		}
	}
	if raw := v.Get("since_hours"); raw != "" {
		h, err := strconv.ParseFloat(raw, 64)
		if err != nil || h <= 0 || math.IsInf(h, 0) || math.IsNaN(h) {
			return nil, badRequest("since_hours %q is not a positive number", raw)
		}
		since := q.now.Add(-time.Duration(h * float64(time.Hour)))
		if since.After(from) {
			from = since
		}
	}
	enums := map[string][]string{"status": callStatuses, "direction": directions, "sentiment": sentiments}
	for name, allowed := range enums {
		if raw := v.Get(name); raw != "" && !contains(allowed, raw) {
			return nil, badRequest("%s %q is not one of %v", name, raw, allowed)
		}
	}
	status, dir, sent := v.Get("status"), v.Get("direction"), v.Get("sentiment")
	agent, camp := v.Get("agent_id"), v.Get("campaign_id")
	return func(c *call) bool {
		switch {
		case !from.IsZero() && c.Start.Before(from),
			!to.IsZero() && c.Start.After(to),
			status != "" && c.Status != status,
			dir != "" && c.Direction != dir,
			agent != "" && c.AgentID != agent,
			camp != "" && c.CampaignID != camp,
			sent != "" && (!s.late(c, q.now) || c.Sentiment != sent):
			return false
		}
		return true
	}, nil
}

func getCall(s *Server, q *request) reply {
	c, ok := s.w.callByID[q.PathValue("id")]
	if !ok {
		return errReply(http.StatusNotFound, "not_found", "no call with this id")
	}
	return dataReply(http.StatusOK, s.renderCall(c, q.now, true))
}

func badRequest(format string, args ...any) *reply {
	rep := errReply(http.StatusBadRequest, "invalid_request", fmt.Sprintf(format, args...))
	return &rep
}
