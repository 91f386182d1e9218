package smartalex

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
)

const testKey = "sk_test_SECRET_4f9a2c"

var epoch = time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC)

// step is one scripted answer of a fake server.
type step struct {
	status int
	header map[string]string
	body   string
	drop   bool // abort the connection without an answer
}

// script is an httptest server that answers with the given steps in order
// (the last one repeats) and records what it received.
type script struct {
	mu    sync.Mutex
	steps []step
	got   []*http.Request
	srv   *httptest.Server
}

func newScript(t *testing.T, steps ...step) *script {
	t.Helper()
	s := &script{steps: steps}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		i := min(len(s.got), len(s.steps)-1)
		s.got = append(s.got, r.Clone(context.Background()))
		st := s.steps[i]
		s.mu.Unlock()
		if st.drop {
			panic(http.ErrAbortHandler)
		}
		for k, v := range st.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(st.status)
		fmt.Fprint(w, st.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// newTestClient returns a client on a fake clock with no jitter, logging
// at debug level into the returned buffer.
func newTestClient(t *testing.T, baseURL string, opts ...Option) (*Client, *clock.Fake, *bytes.Buffer) {
	t.Helper()
	clk := clock.NewFake(epoch)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	all := append([]Option{WithClock(clk), WithJitter(func() float64 { return 0 }), WithLogger(logger)}, opts...)
	c, err := NewClient(baseURL, testKey, all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testKey) {
			t.Errorf("the API key appears in the log:\n%s", logs.String())
		}
	})
	return c, clk, &logs
}

const contactBody = `{"data":{"id":"contact_1","phone":"+15551234567","first_name":"Ada"}}`

func TestRetries(t *testing.T) {
	date := epoch.Add(42 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name      string
		steps     []step
		call      func(*Client) error
		wantSent  int
		wantSlept []time.Duration
		wantClass Class
	}{
		{
			name:      "429 Retry-After seconds honoured",
			steps:     []step{{status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"error":{"code":"rate_limited","message":"slow down","status":429}}`}, {status: 200, body: contactBody}},
			call:      getContact,
			wantSent:  2,
			wantSlept: []time.Duration{7 * time.Second},
		},
		{
			name:      "429 Retry-After HTTP date honoured",
			steps:     []step{{status: 429, header: map[string]string{"Retry-After": date}}, {status: 200, body: contactBody}},
			call:      getContact,
			wantSent:  2,
			wantSlept: []time.Duration{42 * time.Second},
		},
		{
			name:      "429 without Retry-After backs off",
			steps:     []step{{status: 429}, {status: 200, body: contactBody}},
			call:      getContact,
			wantSent:  2,
			wantSlept: []time.Duration{250 * time.Millisecond},
		},
		{
			name:      "GET retried on 500 with doubling backoff",
			steps:     []step{{status: 500}, {status: 503}, {status: 502, body: "<html>bad gateway</html>"}, {status: 200, body: contactBody}},
			call:      getContact,
			wantSent:  4,
			wantSlept: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second},
		},
		{
			name:      "retries bounded by MaxAttempts",
			steps:     []step{{status: 500}},
			call:      getContact,
			wantSent:  6,
			wantSlept: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second},
			wantClass: ClassRetryable,
		},
		{
			name:      "GET retried after a dropped connection",
			steps:     []step{{drop: true}, {status: 200, body: contactBody}},
			call:      getContact,
			wantSent:  2,
			wantSlept: []time.Duration{250 * time.Millisecond},
		},
		{
			name:      "501 is not retried",
			steps:     []step{{status: 501}},
			call:      getContact,
			wantSent:  1,
			wantClass: ClassPermanent,
		},
		{
			name:      "POST answered 500 is ambiguous and not retried",
			steps:     []step{{status: 500, body: `{"error":{"code":"server_error","message":"boom","status":500}}`}},
			call:      createContact,
			wantSent:  1,
			wantClass: ClassAmbiguous,
		},
		{
			name:      "POST whose connection dropped is ambiguous and not retried",
			steps:     []step{{drop: true}},
			call:      createContact,
			wantSent:  1,
			wantClass: ClassAmbiguous,
		},
		{
			name:      "POST 201 with an unreadable body is ambiguous",
			steps:     []step{{status: 201, body: `{"data":{"id":`}},
			call:      createContact,
			wantSent:  1,
			wantClass: ClassAmbiguous,
		},
		{
			name:      "POST answered 429 is retried: nothing was applied",
			steps:     []step{{status: 429, header: map[string]string{"Retry-After": "2"}}, {status: 201, body: contactBody}},
			call:      createContact,
			wantSent:  2,
			wantSlept: []time.Duration{2 * time.Second},
		},
		{
			name:      "400 is permanent",
			steps:     []step{{status: 400, body: `{"error":{"code":"invalid_request","message":"first_name is required","status":400}}`}},
			call:      createContact,
			wantSent:  1,
			wantClass: ClassPermanent,
		},
		{
			name:      "401 is fatal",
			steps:     []step{{status: 401, body: `{"error":{"code":"unauthorized","message":"invalid key","status":401}}`}},
			call:      getContact,
			wantSent:  1,
			wantClass: ClassFatal,
		},
		{
			name:      "Retry-After beyond the policy is a quota stop",
			steps:     []step{{status: 429, header: map[string]string{"Retry-After": "3600", "X-RateLimit-Daily-Limit": "10000", "X-RateLimit-Daily-Remaining": "0"}}},
			call:      getContact,
			wantSent:  1,
			wantClass: ClassQuota,
		},
		{
			name:      "DELETE whose first attempt may have applied: 404 on retry is done",
			steps:     []step{{status: 500}, {status: 404, body: `{"error":{"code":"not_found","message":"no such contact","status":404}}`}},
			call:      func(c *Client) error { return c.DeleteContact(context.Background(), "contact_1") },
			wantSent:  2,
			wantSlept: []time.Duration{250 * time.Millisecond},
		},
		{
			name:      "DELETE of an unknown id is 404",
			steps:     []step{{status: 404}},
			call:      func(c *Client) error { return c.DeleteContact(context.Background(), "contact_x") },
			wantSent:  1,
			wantClass: ClassPermanent,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, tc.steps...)
			c, clk, _ := newTestClient(t, s.srv.URL+"/v1")
			err := tc.call(c)
			if got := Classify(err); got != tc.wantClass {
				t.Fatalf("Classify(%v) = %v, want %v", err, got, tc.wantClass)
			}
			if got := s.count(); got != tc.wantSent {
				t.Fatalf("server saw %d requests, want %d", got, tc.wantSent)
			}
			if got := clk.Slept(); fmt.Sprint(got) != fmt.Sprint(tc.wantSlept) && !(len(got) == 0 && len(tc.wantSlept) == 0) {
				t.Fatalf("slept %v, want %v", got, tc.wantSlept)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
}

func getContact(c *Client) error {
	_, err := c.GetContact(context.Background(), "contact_1")
	return err
}

func createContact(c *Client) error {
	_, err := c.CreateContact(context.Background(), ContactInput{Phone: "+15551234567", FirstName: "Ada"})
	return err
}

func TestMaxElapsedBoundsRetries(t *testing.T) {
	s := newScript(t, step{status: 503, header: map[string]string{"Retry-After": "100"}})
	c, _, _ := newTestClient(t, s.srv.URL+"/v1", WithRetryPolicy(RetryPolicy{MaxAttempts: 100, MaxElapsed: 5 * time.Minute, MaxRetryAfter: 2 * time.Minute}))
	err := getContact(c)
	if !IsRetryable(err) || !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Fatalf("err = %v, want giving up after 4 attempts (three 100 s waits fit in 5 min)", err)
	}
}

func TestRateHeadersPaceRequests(t *testing.T) {
	reset := epoch.Add(30 * time.Second)
	spent := map[string]string{"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(reset.Unix())}
	s := newScript(t, step{status: 200, header: spent, body: contactBody}, step{status: 200, body: contactBody})
	c, clk, _ := newTestClient(t, s.srv.URL+"/v1")
	for range 2 {
		if err := getContact(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := clk.Slept(); len(got) != 1 || got[0] != 30*time.Second {
		t.Fatalf("slept %v, want one 30s wait for the window reset", got)
	}
	if got := s.count(); got != 2 {
		t.Fatalf("server saw %d requests, want 2 and no 429", got)
	}
}

func TestDailyRemainingZeroStopsBeforeSending(t *testing.T) {
	spent := map[string]string{"X-RateLimit-Daily-Limit": "10000", "X-RateLimit-Daily-Remaining": "0"}
	s := newScript(t, step{status: 200, header: spent, body: contactBody})
	c, _, _ := newTestClient(t, s.srv.URL+"/v1")
	if err := getContact(c); err != nil {
		t.Fatal(err)
	}
	err := getContact(c)
	var qe *QuotaError
	if !errors.As(err, &qe) || qe.Scope != "day" || !qe.ResetAt.Equal(time.Date(2026, 1, 16, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("err = %v, want a day QuotaError until the next UTC midnight", err)
	}
	if s.count() != 1 {
		t.Fatalf("server saw %d requests, want 1: a request that must fail is not sent", s.count())
	}
}

// countingBudget is a Budget of n requests that records releases.
type countingBudget struct {
	mu             sync.Mutex
	left, released int
}

func (b *countingBudget) Acquire(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left == 0 {
		return errors.New("spent")
	}
	b.left--
	return nil
}

func (b *countingBudget) Release(context.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.left++
	b.released++
}

func TestBudget(t *testing.T) {
	s := newScript(t, step{status: 429, header: map[string]string{"Retry-After": "1"}}, step{status: 200, body: contactBody})
	b := &countingBudget{left: 2}
	c, _, _ := newTestClient(t, s.srv.URL+"/v1", WithBudget(b))
	if err := getContact(c); err != nil {
		t.Fatal(err)
	}
	if b.released != 1 || b.left != 1 {
		t.Fatalf("budget left %d released %d, want the 429 given back (left 1, released 1)", b.left, b.released)
	}
	if err := getContact(c); err != nil {
		t.Fatal(err)
	}
	err := getContact(c)
	if Classify(err) != ClassQuota {
		t.Fatalf("err = %v, want ClassQuota once the budget is spent", err)
	}
	if s.count() != 3 {
		t.Fatalf("server saw %d requests, want 3", s.count())
	}
}

func TestBeforeSend(t *testing.T) {
	errDisk := errors.New("disk full")
	tests := []struct {
		name      string
		hookErr   error
		wantSent  int
		wantAt    []time.Duration // after epoch, of each hook call
		wantSeen  []int           // requests the server had seen at each hook call
		wantLeft  int             // of a budget of 3
		wantError error
	}{
		{"before every attempt, after the retry wait", nil, 2, []time.Duration{0, time.Second}, []int{0, 1}, 2, nil},
		{"a failing hook ends the call unsent", errDisk, 0, []time.Duration{0}, []int{0}, 3, errDisk},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, step{status: 429, header: map[string]string{"Retry-After": "1"}}, step{status: 200, body: contactBody})
			b := &countingBudget{left: 3}
			c, clk, _ := newTestClient(t, s.srv.URL+"/v1", WithBudget(b))
			var at []time.Duration
			var seen []int
			ctx := BeforeSend(t.Context(), func(context.Context) error {
				at, seen = append(at, clk.Now().Sub(epoch)), append(seen, s.count())
				return tc.hookErr
			})
			_, err := c.GetContact(ctx, "contact_1")
			if !errors.Is(err, tc.wantError) || (tc.wantError == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantError)
			}
			if s.count() != tc.wantSent || fmt.Sprint(at) != fmt.Sprint(tc.wantAt) || fmt.Sprint(seen) != fmt.Sprint(tc.wantSeen) || b.left != tc.wantLeft {
				t.Fatalf("sent %d, hook at %v seeing %v, budget left %d; want %d, %v, %v, %d",
					s.count(), at, seen, b.left, tc.wantSent, tc.wantAt, tc.wantSeen, tc.wantLeft)
			}
		})
	}
}

// blockingLimiter holds every request until its context ends.
type blockingLimiter struct{}

func (blockingLimiter) Wait(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestStopWaiting(t *testing.T) {
	tests := []struct {
		name        string
		limiter     Limiter
		first       int  // the first answer's status (the second is 200)
		stopOnFirst bool // stop as the first request reaches the server
		stopBefore  bool
		wantSent    int
		wantNotSent bool
		wantLeft    int // of a budget of 5: only the answered 200 counts
	}{
		{"a wait for the limiter ends at stop", blockingLimiter{}, 200, false, true, 0, true, 5},
		{"a call after the stop is not sent, even with room", nil, 200, false, true, 0, true, 5},
		{"a retry's back-off ends at stop", nil, 429, true, false, 1, true, 5},
		{"a request already sent is waited for", nil, 200, true, false, 1, false, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stop, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.stopBefore {
				cancel()
			}
			var mu sync.Mutex
			sent := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				sent++
				n := sent
				mu.Unlock()
				if tc.stopOnFirst && n == 1 {
					cancel()
				}
				status := 200
				if n == 1 {
					status = tc.first
				}
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(status)
				if status == 200 {
					fmt.Fprint(w, contactBody)
				} else {
					fmt.Fprint(w, `{"error":{"code":"rate_limited","message":"slow down","status":429}}`)
				}
			}))
			defer srv.Close()
			b := &countingBudget{left: 5}
			opts := []Option{WithBudget(b)}
			if tc.limiter != nil {
				opts = append(opts, WithLimiter(tc.limiter))
			}
			c, _, _ := newTestClient(t, srv.URL+"/v1", opts...)
			_, err := c.GetContact(StopWaiting(context.Background(), stop), "contact_1")
			if errors.Is(err, ErrNotSent) != tc.wantNotSent || (tc.wantNotSent && !errors.Is(err, context.Canceled)) || (!tc.wantNotSent && err != nil) {
				t.Fatalf("err = %v, want not sent: %v", err, tc.wantNotSent)
			}
			if sent != tc.wantSent || b.left != tc.wantLeft {
				t.Fatalf("sent %d, budget left %d released %d", sent, b.left, b.released)
			}
		})
	}
}

func TestCancelDuringWait(t *testing.T) {
	s := newScript(t, step{status: 429, header: map[string]string{"Retry-After": "30"}})
	c, err := NewClient(s.srv.URL+"/v1", testKey) // real clock: the wait must be cancelled, not slept
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.GetContact(ctx, "contact_1")
	if Classify(err) != ClassCanceled || time.Since(start) > 10*time.Second {
		t.Fatalf("err = %v after %s, want a prompt cancellation", err, time.Since(start))
	}
}

func TestErrorBodies(t *testing.T) {
	huge := strings.Repeat("x", 5<<20)
	tests := []struct {
		name     string
		st       step
		wantCode string
		wantMsg  string
	}{
		{"envelope", step{status: 400, header: map[string]string{"X-Request-Id": "req_9"}, body: `{"error":{"code":"invalid_request","message":"phone must be E.164","status":400}}`}, "invalid_request", "phone must be E.164"},
		{"proxy HTML", step{status: 404, body: "<html>\n<body>Not Found</body></html>"}, "", "<html> <body>Not Found</body></html>"},
		{"empty", step{status: 404}, "", ""},
		{"huge", step{status: 400, body: huge}, "", strings.Repeat("x", 200) + "..."},
		{"invalid UTF-8", step{status: 400, body: "bad \xff\xfe body"}, "", "bad ? body"},
		{"key echoed", step{status: 400, body: `{"error":{"code":"invalid_request","message":"key ` + testKey + ` is odd","status":400}}`}, "invalid_request", "key [REDACTED] is odd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, tc.st)
			c, _, _ := newTestClient(t, s.srv.URL+"/v1")
			err := getContact(c)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if ae.Code != tc.wantCode || ae.Message != tc.wantMsg || ae.Status != tc.st.status {
				t.Fatalf("got status %d code %q message %q, want %d %q %q", ae.Status, ae.Code, ae.Message, tc.st.status, tc.wantCode, tc.wantMsg)
			}
			if ae.Path != "/v1/contacts/contact_1" || ae.Method != "GET" {
				t.Fatalf("got %s %s", ae.Method, ae.Path)
			}
		})
	}
}

func TestHugeSuccessBodyIsAnError(t *testing.T) {
	s := newScript(t, step{status: 200, body: `{"data":{"id":"` + strings.Repeat("x", maxBody) + `"}}`})
	c, _, _ := newTestClient(t, s.srv.URL+"/v1", WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	err := getContact(c)
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("err = %v, want a body size error", err)
	}
}

func TestNewClientRefuses(t *testing.T) {
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	tests := []struct {
		name string
		url  string
		key  string
		opts []Option
		want string
	}{
		{"plain http to a remote host", "http://api.example.com/v1", testKey, nil, "refusing plain http://"},
		{"no scheme", "api.example.com/v1", testKey, nil, "want https://"},
		{"ftp", "ftp://api.example.com/v1", testKey, nil, "want https://"},
		{"credentials in the URL", "https://user:" + testKey + "@api.example.com/v1", testKey, nil, "credentials"},
		{"query", "https://api.example.com/v1?key=1", testKey, nil, "no query"},
		{"empty key", "https://api.example.com/v1", " ", nil, "API key is empty"},
		{"TLS verification off", "https://api.example.com/v1", testKey, []Option{WithHTTPClient(insecure)}, "refusing to disable TLS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient(tc.url, tc.key, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewClient = %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
	for _, ok := range []string{"", "https://api.example.com/v1/", "http://127.0.0.1:8089/v1", "http://localhost:1/v1", "http://[::1]:8089/v1"} {
		if _, err := NewClient(ok, testKey); err != nil {
			t.Errorf("NewClient(%q) = %v, want accepted", ok, err)
		}
	}
	if _, err := NewClient("https://127.0.0.1/v1", testKey, WithHTTPClient(insecure)); err != nil {
		t.Errorf("insecure TLS to loopback refused: %v", err)
	}
}

func TestRequestShape(t *testing.T) {
	s := newScript(t, step{status: 201, body: contactBody})
	c, _, _ := newTestClient(t, s.srv.URL+"/v1/", WithUserAgent("alexsync/test"))
	if _, err := c.CreateContact(context.Background(), ContactInput{Phone: "+15551234567", FirstName: "Ada", Tags: []string{"crm"}}); err != nil {
		t.Fatal(err)
	}
	r := s.got[0]
	checks := map[string][2]string{
		"path":          {r.URL.Path, "/v1/contacts"},
		"authorization": {r.Header.Get("Authorization"), "Bearer " + testKey},
		"content type":  {r.Header.Get("Content-Type"), "application/json"},
		"user agent":    {r.Header.Get("User-Agent"), "alexsync/test"},
	}
	for name, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %q, want %q", name, v[0], v[1])
		}
	}
	if _, err := c.GetContact(context.Background(), ""); !errors.Is(err, errEmptyID) {
		t.Errorf("GetContact(\"\") = %v, want errEmptyID before any request", err)
	}
	if _, err := c.GetContact(context.Background(), "a/b c"); err != nil {
		t.Fatal(err)
	}
	if got := s.got[1].URL.EscapedPath(); got != "/v1/contacts/a%2Fb%20c" {
		t.Errorf("escaped path = %q", got)
	}
}
