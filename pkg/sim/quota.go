package sim

import (
	"net/http"
	"strconv"
	"time"
)

// keyQuota is one API key's usage: the times of the requests counted in the
// rolling minute (oldest first) and the count for the current day.
type keyQuota struct {
	window   []time.Time
	day      int64
	dayCount int
}

// quota returns the usage record of key, creating it. The caller holds s.mu.
func (s *Server) quota(key string) *keyQuota {
	q, ok := s.quotas[key]
	if !ok {
		q = &keyQuota{}
		s.quotas[key] = q
	}
	return q
}

// dayIndex is floor(now/day) since the Unix epoch: with day=24h the window
// turns at 00:00 UTC.
func dayIndex(now time.Time, day time.Duration) int64 {
	n := now.UnixNano()
	d := int64(day)
	if n < 0 {
		return (n - d + 1) / d
	}
	return n / d
}

// prune drops the requests that have left the rolling minute and rolls the
// day over.
func (q *keyQuota) prune(now time.Time, minute, day time.Duration) {
	cut := 0
	for cut < len(q.window) && !q.window[cut].Add(minute).After(now) {
		cut++
	}
	q.window = q.window[cut:]
	if d := dayIndex(now, day); d != q.day {
		q.day, q.dayCount = d, 0
	}
}

// admit counts a request at now, or refuses it with the time until it
// could pass. A refused request counts against neither window.
func (q *keyQuota) admit(now time.Time, lim limits, minute, day time.Duration) (retry time.Duration, limited bool) {
	q.prune(now, minute, day)
	if q.dayCount >= lim.perDay {
		next := time.Unix(0, (q.day+1)*int64(day))
		return next.Sub(now), true
	}
	if len(q.window) >= lim.perMinute {
		return q.window[0].Add(minute).Sub(now), true
	}
	q.window = append(q.window, now)
	q.dayCount++
	return 0, false
}

// setHeaders writes the rate-limit headers describing q after admit.
func (q *keyQuota) setHeaders(h http.Header, now time.Time, lim limits, minute time.Duration) {
	reset := now
	if len(q.window) > 0 {
		reset = q.window[0].Add(minute)
	}
	resetUnix := reset.Unix()
	if reset.Nanosecond() > 0 {
		resetUnix++
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(lim.perMinute))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(lim.perMinute-len(q.window), 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(resetUnix, 10))
	h.Set("X-RateLimit-Daily-Limit", strconv.Itoa(lim.perDay))
	h.Set("X-RateLimit-Daily-Remaining", strconv.Itoa(max(lim.perDay-q.dayCount, 0)))
}
