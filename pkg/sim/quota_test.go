package sim

import (
	"strconv"
	"testing"
	"time"
)

func TestMinuteQuota(t *testing.T) {
	e := newEnv(t, Options{Minute: time.Second, PerMinute: 5, PerDay: 1000})
	for i := range 5 {
		r := e.do("GET", "/v1/contacts", "")
		mustStatus(t, r, 200)
		if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(4-i) {
			t.Fatalf("request %d: remaining %q", i+1, got)
		}
		e.clk.Advance(100 * time.Millisecond)
	}
	tests := []struct {
		name    string
		advance time.Duration
		want    int
	}{
		{"sixth request is limited", 0, 429},
		{"still limited just before the oldest leaves", 499 * time.Millisecond, 429},
		{"free once the oldest left the window", time.Millisecond, 200},
		{"full again", 0, 429},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.clk.Advance(tc.advance)
			r := e.do("GET", "/v1/contacts", "")
			mustStatus(t, r, tc.want)
			for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Daily-Limit", "X-RateLimit-Daily-Remaining"} {
				if r.header.Get(h) == "" {
					t.Fatalf("missing %s", h)
				}
			}
			if tc.want != 429 {
				return
			}
			if r.errCode(t) != "rate_limited" || r.header.Get("Retry-After") != "1" {
				t.Fatalf("code %q Retry-After %q", r.errCode(t), r.header.Get("Retry-After"))
			}
			if r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("X-RateLimit-Limit") != "5" {
				t.Fatalf("headers %v", r.header)
			}
		})
	}
	st := e.srv.Stats()
	if st.RateLimited != 3 || st.TotalRequests != 9 {
		t.Fatalf("rate_limited %d total %d, want 3 and 9", st.RateLimited, st.TotalRequests)
	}
	// 6 admitted requests; the three 429s did not count against the day.
	if got := e.do("GET", "/v1/contacts", ""); got.status == 200 {
		t.Fatal("window should still be full")
	} else if got.header.Get("X-RateLimit-Daily-Remaining") != "994" {
		t.Fatalf("daily remaining %q, want 994", got.header.Get("X-RateLimit-Daily-Remaining"))
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	e := newEnv(t, Options{PerMinute: 2})
	mustStatus(t, e.do("GET", "/v1/contacts", ""), 200)
	e.clk.Advance(10 * time.Second)
	mustStatus(t, e.do("GET", "/v1/contacts", ""), 200)
	e.clk.Advance(500 * time.Millisecond)
	r := e.do("GET", "/v1/contacts", "")
	mustStatus(t, r, 429)
	if got := r.header.Get("Retry-After"); got != "50" { // 49.5s left, rounded up
		t.Fatalf("Retry-After %q, want 50", got)
	}
	if got, want := r.header.Get("X-RateLimit-Reset"), strconv.FormatInt(t0.Add(time.Minute).Unix(), 10); got != want {
		t.Fatalf("X-RateLimit-Reset %q, want %q", got, want)
	}
}

func TestDayQuota(t *testing.T) {
	e := newEnv(t, Options{PerMinute: 100, PerDay: 3})
	midnight := time.Date(2026, 1, 16, 0, 0, 0, 0, time.UTC)
	for range 3 {
		mustStatus(t, e.do("GET", "/v1/contacts", ""), 200)
	}
	r := e.do("GET", "/v1/contacts", "")
	mustStatus(t, r, 429)
	if got, want := r.header.Get("Retry-After"), strconv.Itoa(int(midnight.Sub(t0).Seconds())); got != want {
		t.Fatalf("Retry-After %q, want %q (until 00:00 UTC)", got, want)
	}
	if r.header.Get("X-RateLimit-Daily-Remaining") != "0" {
		t.Fatalf("daily remaining %q", r.header.Get("X-RateLimit-Daily-Remaining"))
	}
	e.clk.Advance(midnight.Sub(t0) - time.Second)
	mustStatus(t, e.do("GET", "/v1/contacts", ""), 429)
	e.clk.Advance(time.Second)
	r = e.do("GET", "/v1/contacts", "")
	mustStatus(t, r, 200)
	if r.header.Get("X-RateLimit-Daily-Remaining") != "2" {
		t.Fatalf("daily remaining after midnight %q, want 2", r.header.Get("X-RateLimit-Daily-Remaining"))
	}
}

func TestQuotaPerKeyAndUnauthenticated(t *testing.T) {
	e := newEnv(t, Options{PerMinute: 1})
	mustStatus(t, e.doKey("", "GET", "/v1/contacts", ""), 401)
	mustStatus(t, e.doKey("sk_bad", "GET", "/v1/contacts", ""), 401)
	mustStatus(t, e.do("GET", "/v1/contacts", ""), 200) // 401s did not count
	mustStatus(t, e.do("GET", "/v1/contacts", ""), 429)
	mustStatus(t, e.doKey(roKey, "GET", "/v1/contacts", ""), 200) // its own window
}
