package smartalex

import (
	"net/http"
	"strconv"
	"time"
)

// Rate is the rate-limit state a response reported. The header names are
// the contract's decided ones; a server that sends none leaves Known false
// and the client paces on its own limiter only.
type Rate struct {
	Known          bool      // X-RateLimit-Limit and -Remaining were present
	Limit          int       // requests per minute window
	Remaining      int       // requests left in the current minute window
	Reset          time.Time // when the minute window frees a request; zero if not sent
	DailyKnown     bool      // X-RateLimit-Daily-Limit and -Remaining were present
	DailyLimit     int       // requests per UTC day
	DailyRemaining int       // requests left today
	ObservedAt     time.Time // when the response arrived (client clock)
}

// parseRate reads the rate-limit headers. Malformed values are ignored.
func parseRate(h http.Header, now time.Time) Rate {
	r := Rate{ObservedAt: now}
	limit, okL := headerInt(h, "X-RateLimit-Limit")
	rem, okR := headerInt(h, "X-RateLimit-Remaining")
	if okL && okR {
		r.Known, r.Limit, r.Remaining = true, limit, rem
	}
	if reset, ok := headerInt(h, "X-RateLimit-Reset"); ok && reset > 0 {
		r.Reset = time.Unix(int64(reset), 0).UTC()
	}
	dl, okDL := headerInt(h, "X-RateLimit-Daily-Limit")
	dr, okDR := headerInt(h, "X-RateLimit-Daily-Remaining")
	if okDL && okDR {
		r.DailyKnown, r.DailyLimit, r.DailyRemaining = true, dl, dr
	}
	return r
}

func headerInt(h http.Header, name string) (int, bool) {
	v := h.Get(name)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// nextUTCMidnight returns the start of the UTC day after t.
func nextUTCMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// blockedUntil says, from the last rate state seen, whether a request sent
// at now must fail: the daily allowance is spent (until the next UTC
// midnight after it was observed), or the minute window is spent (until
// Reset). It returns the scope and the time sending may resume.
func (r Rate) blockedUntil(now time.Time) (scope string, until time.Time) {
	if r.DailyKnown && r.DailyRemaining == 0 {
		if reset := nextUTCMidnight(r.ObservedAt); now.Before(reset) {
			return "day", reset
		}
	}
	if r.Known && r.Remaining == 0 && !r.Reset.IsZero() && now.Before(r.Reset) {
		return "minute", r.Reset
	}
	return "", time.Time{}
}
