package smartalex

import (
	"time"
)

// RetryPolicy bounds the client's retries of transient failures.
type RetryPolicy struct {
	// MaxAttempts is the most attempts for one request, the first
	// included (default 6).
	MaxAttempts int
	// MinBackoff is the first backoff before jitter (default 500ms); each
	// retry doubles it up to MaxBackoff (default 30s).
	MinBackoff, MaxBackoff time.Duration
	// MaxElapsed bounds the time spent on one request, waits included
	// (default 3m). A retry whose wait would pass it is not made.
	MaxElapsed time.Duration
	// MaxRetryAfter is the longest server-requested wait (Retry-After, or
	// a spent minute window) the client sits out (default 2m). A longer
	// one is returned as a QuotaError: the caller stops and resumes later.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy returns the policy used when none is set.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:   6,
		MinBackoff:    500 * time.Millisecond,
		MaxBackoff:    30 * time.Second,
		MaxElapsed:    3 * time.Minute,
		MaxRetryAfter: 2 * time.Minute,
	}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = d.MinBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = d.MaxBackoff
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = d.MaxElapsed
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	return p
}

// backoff returns the wait before retry number n (1 for the first retry):
// MinBackoff doubled n-1 times, capped at MaxBackoff, with "equal jitter"
// (half fixed, half random) so that concurrent workers spread out but
// never retry at once. j is a random value in [0, 1).
func (p RetryPolicy) backoff(n int, j float64) time.Duration {
	d := p.MinBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	half := d / 2
	return half + time.Duration(j*float64(d-half))
}
