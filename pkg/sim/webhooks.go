package sim

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// eventTypes are the webhook event types of the contract. The simulator
// emits contact.*, call.completed, call.failed and campaign.started,
// paused and resumed; the others are accepted in subscriptions.
var eventTypes = []string{
	"call.started", "call.connected", "call.completed", "call.failed",
	"campaign.started", "campaign.paused", "campaign.resumed", "campaign.completed",
	"contact.created", "contact.updated", "contact.deleted", "contact.dnc",
	"callback.scheduled", "callback.completed", "callback.cancelled",
}

// webhook is one registration. Secret is served only in the create reply.
type webhook struct {
	ID          string    `json:"id"`
	Seq         uint64    `json:"seq"`
	URL         string    `json:"url"`
	EventTypes  []string  `json:"event_types"`
	Description string    `json:"description,omitempty"`
	Secret      string    `json:"secret"`
	CreatedAt   time.Time `json:"created_at"`
}

func cmpWebhook(a, b *webhook) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Seq, b.Seq))
}

func renderWebhook(h *webhook) map[string]any {
	return map[string]any{
		"id":          h.ID,
		"url":         h.URL,
		"event_types": slices.Clone(h.EventTypes),
		"description": nullable(h.Description),
		"created_at":  timestamp(h.CreatedAt),
	}
}

func listWebhooks(s *Server, q *request) reply {
	page, per, bad := pageParams(q.URL.Query())
	if bad != nil {
		return *bad
	}
	var items []any
	for i := len(s.w.Webhooks) - 1; i >= 0; i-- {
		if n := len(s.w.Webhooks) - i; onPage(n, page, per) {
			items = append(items, renderWebhook(s.w.Webhooks[i]))
		}
	}
	return listReply(items, len(s.w.Webhooks), page, per)
}

// createWebhook registers a URL and answers 201 with a bare object (not
// wrapped in data) that carries signing_secret, the only time it is shown.
func createWebhook(s *Server, q *request) reply {
	var in struct {
		URL         *string  `json:"url"`
		EventTypes  []string `json:"event_types"`
		Description *string  `json:"description"`
	}
	if bad := decodeStrict(q.body, &in); bad != nil {
		return *bad
	}
	if in.URL == nil {
		return *badRequest("url is required")
	}
	if u, err := url.Parse(*in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return *badRequest("url %q must be an absolute http or https URL", *in.URL)
	}
	if len(in.EventTypes) == 0 {
		return *badRequest("event_types must be a non-empty array")
	}
	for _, t := range in.EventTypes {
		if !contains(eventTypes, t) {
			return *badRequest("unknown event type %q", t)
		}
	}
	id, seq := s.w.newID("webhook")
	h := &webhook{ID: id, Seq: seq, URL: *in.URL, EventTypes: slices.Clone(in.EventTypes),
		Secret: "whsec_" + rand.Text(), CreatedAt: q.now.UTC()}
	if in.Description != nil {
		h.Description = strings.TrimSpace(*in.Description)
	}
	s.w.Webhooks = insertSorted(s.w.Webhooks, h, cmpWebhook)
	out := renderWebhook(h)
	out["signing_secret"] = h.Secret
	return reply{status: http.StatusCreated, body: out}
}

func deleteWebhook(s *Server, q *request) reply {
	id := q.PathValue("id")
	i := slices.IndexFunc(s.w.Webhooks, func(h *webhook) bool { return h.ID == id })
	if i < 0 {
		return notFound("webhook")
	}
	s.w.Webhooks = slices.Delete(s.w.Webhooks, i, i+1)
	return reply{status: http.StatusNoContent}
}

// emit queues one delivery of the event per webhook subscribed to its
// type. It never blocks: deliveries are sent by DeliverPending or Run.
// The caller holds s.mu.
func (s *Server) emit(eventType string, data any, now time.Time) {
	var subs []*webhook
	for _, h := range s.w.Webhooks {
		if contains(h.EventTypes, eventType) {
			subs = append(subs, h)
		}
	}
	if len(subs) == 0 {
		return
	}
	id, _ := s.w.newID("evt")
	body, err := json.Marshal(map[string]any{
		"id": id, "type": eventType, "created_at": timestamp(now),
		"tenant_id": DefaultTenantID, "data": data,
	})
	if err != nil {
		panic(err) // plain maps and strings: cannot fail
	}
	for _, h := range subs {
		if len(s.queue) >= maxQueue {
			s.queue = s.queue[1:]
			s.stats.webhookDropped++
		}
		s.queue = append(s.queue, delivery{eventID: id, url: h.URL, secret: h.Secret, body: body})
	}
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// emitCall queues call.failed for a failed call, else call.completed.
func (s *Server) emitCall(c *call, now time.Time) {
	t := "call.completed"
	if c.Status == "failed" {
		t = "call.failed"
	}
	if len(s.w.Webhooks) > 0 {
		s.emit(t, s.renderCall(c, now, true), now)
	}
}
