package sim

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/alexsync/alexsync/pkg/signature"
)

// Delivery limits.
const (
	// maxQueue bounds the pending deliveries; the oldest are dropped first.
	maxQueue = 10_000
	// maxRetries is how many times a delivery is retried after the first try.
	maxRetries = 3
)

// delivery is one event body to POST to one webhook URL.
type delivery struct {
	eventID string
	url     string
	secret  string
	body    []byte
}

// DeliverPending sends every queued webhook delivery, including those queued
// while it runs, and returns when the queue is empty or ctx is done (with
// ctx's error). Run calls it from its worker; tests without Run call it
// directly. Deliveries are sent one at a time, in the order queued.
func (s *Server) DeliverPending(ctx context.Context) error {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return nil
		}
		d := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		if err := s.deliver(ctx, d); err != nil {
			return err
		}
	}
}

// backoff is the wait before retry n (from 1): Minute/60 doubled per retry,
// i.e. 1s, 2s, 4s at the default Minute.
func (s *Server) backoff(n int) time.Duration {
	return s.opts.Minute / 60 << (n - 1)
}

// deliver POSTs d, retrying up to maxRetries times on a 5xx or a network
// error. It returns only ctx's error; a delivery that fails is counted.
func (s *Server) deliver(ctx context.Context, d delivery) error {
	for attempt := 0; attempt <= maxRetries; attempt++ {
		if attempt > 0 {
			if err := s.opts.Clock.Sleep(ctx, s.backoff(attempt)); err != nil {
				return err
			}
		}
		status, err := s.post(ctx, d)
		s.mu.Lock()
		s.stats.webhookAttempts++
		s.mu.Unlock()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch {
		case err == nil && status < 300:
			s.countDelivery(true)
			return nil
		case err == nil && status < 500:
			s.opts.Logger.Warn("webhook delivery refused", "event", d.eventID, "status", status)
			s.countDelivery(false)
			return nil
		}
		s.opts.Logger.Debug("webhook delivery failed", "event", d.eventID, "attempt", attempt+1, "status", status, "err", err)
	}
	s.opts.Logger.Warn("webhook delivery abandoned after retries", "event", d.eventID)
	s.countDelivery(false)
	return nil
}

func (s *Server) post(ctx context.Context, d delivery) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "SmartAlex-Webhooks/sim")
	req.Header.Set(signature.Header, signature.Sign(d.secret, s.opts.Clock.Now(), d.body))
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *Server) countDelivery(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.stats.webhookDelivered++
	} else {
		s.stats.webhookFailed++
	}
}
