package sim

import "maps"

// counters are the request and delivery counts behind Stats; guarded by Server.mu.
type counters struct {
	requests         map[string]int
	total            int
	rateLimited      int
	faults           map[string]int
	webhookAttempts  int
	webhookDelivered int
	webhookFailed    int
	webhookDropped   int
}

func newCounters() counters {
	return counters{requests: map[string]int{}, faults: map[string]int{}}
}

// record counts one /v1 request under "METHOD route status", where route is
// the matched pattern and status the HTTP status or "dropped".
func (c *counters) record(route, status string) {
	c.requests[route+" "+status]++
	c.total++
}

// Stats is a snapshot of what the simulator has seen and holds. It is also
// served as JSON by GET /_sim/stats.
type Stats struct {
	// Requests counts /v1 requests by "METHOD route status", e.g.
	// "GET /v1/contacts/{id} 200" or "POST /v1/contacts dropped".
	Requests map[string]int `json:"requests"`
	// TotalRequests counts every /v1 request, 401s and 429s included.
	TotalRequests int `json:"total_requests"`
	// RateLimited counts requests answered 429.
	RateLimited int `json:"rate_limited"`
	// Faults counts injected faults by kind: fail, reset, ambiguous_500, ambiguous_drop.
	Faults map[string]int `json:"faults"`
	// Contacts, Calls, Campaigns and Webhooks count the stored records.
	Contacts  int `json:"contacts"`
	Calls     int `json:"calls"`
	Campaigns int `json:"campaigns"`
	Webhooks  int `json:"webhooks"`
	// DuplicatePhones is the number of phones held by more than one contact.
	DuplicatePhones int `json:"duplicate_phones"`
	// WebhookAttempts counts delivery POSTs sent, retries included.
	WebhookAttempts int `json:"webhook_attempts"`
	// WebhookDelivered counts deliveries answered 2xx.
	WebhookDelivered int `json:"webhook_delivered"`
	// WebhookFailed counts deliveries abandoned (4xx, or still failing after the retries).
	WebhookFailed int `json:"webhook_failed"`
	// WebhookDropped counts deliveries dropped because the queue was full.
	WebhookDropped int `json:"webhook_dropped"`
	// WebhookPending is the number of deliveries waiting in the queue.
	WebhookPending int `json:"webhook_pending"`
}

// Stats returns a snapshot of the counters and record counts. It advances
// the simulated world to now first, like a request would.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.opts.Clock.Now())
	dup := 0
	for _, n := range s.w.phones {
		if n > 1 {
			dup++
		}
	}
	return Stats{
		Requests:         maps.Clone(s.stats.requests),
		TotalRequests:    s.stats.total,
		RateLimited:      s.stats.rateLimited,
		Faults:           maps.Clone(s.stats.faults),
		Contacts:         len(s.w.Contacts),
		Calls:            len(s.w.Calls),
		Campaigns:        len(s.w.Campaigns),
		Webhooks:         len(s.w.Webhooks),
		DuplicatePhones:  dup,
		WebhookAttempts:  s.stats.webhookAttempts,
		WebhookDelivered: s.stats.webhookDelivered,
		WebhookFailed:    s.stats.webhookFailed,
		WebhookDropped:   s.stats.webhookDropped,
		WebhookPending:   len(s.queue),
	}
}
