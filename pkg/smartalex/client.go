// Package smartalex is a typed client for the SmartAlex REST API.
//
// The client owns the transient tier of errors: it paces requests, honours
// Retry-After and the rate-limit headers, and retries what is safe to
// retry with capped, jittered backoff. What it cannot settle it returns
// classified (see Classify): permanent answers, fatal ones, spent quotas,
// and ambiguous writes that the caller must reconcile before resending.
//
// The API key is only ever placed in the Authorization header; it never
// appears in a log line or an error.
package smartalex

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.getsmartalex.com/v1"

// Limiter paces requests. Wait blocks until one request may be sent or ctx
// is done (then it returns ctx.Err()). It is called before every attempt,
// retries included.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Budget is a per-day request allowance, typically persisted and shared by
// every process that uses the same API key. Acquire reserves one request
// before an attempt; it returns an error (wrapped by the client into a
// QuotaError) when the allowance is spent. Release gives back a
// reservation the server did not count: the request was never sent, or it
// was answered 429.
type Budget interface {
	Acquire(ctx context.Context) error
	Release(ctx context.Context)
}

// RateObserver is optionally implemented by a Budget or Limiter that wants
// the rate-limit state of every response, to correct its local view.
type RateObserver interface {
	ObserveRate(Rate)
}

// WindowObserver is optionally implemented by a Limiter that paces by the
// server's own count of the rolling minute (quota.Window does): the client
// passes it X-RateLimit-Limit and -Remaining of every response, and then
// leaves a spent minute to it instead of waiting for X-RateLimit-Reset,
// which has whole-second resolution.
type WindowObserver interface {
	ObserveRemaining(limit, remaining int, at time.Time)
}

// Client talks to one SmartAlex account with one API key. It is safe for
// concurrent use.
type Client struct {
	base    *url.URL
	key     string
	hc      *http.Client
	ua      string
	log     *slog.Logger
	limiter Limiter
	budget  Budget
	retry   RetryPolicy
	clock   clock.Clock
	jitter  func() float64

	mu    sync.Mutex
	rate  Rate
	stats Stats
}

// Option configures a Client.
type Option func(*Client) error

// WithHTTPClient sets the HTTP client. Its transport must verify TLS
// certificates unless the base URL is a loopback address.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("nil HTTP client")
		}
		c.hc = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default "alexsync").
func WithUserAgent(ua string) Option {
	return func(c *Client) error { c.ua = ua; return nil }
}

// WithLogger sets the logger for request and retry lines (default: none).
// Lines carry method, path, status and timing; never the key, bodies or
// query values.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error { c.log = l; return nil }
}

// WithLimiter sets the per-minute pacer called before every attempt.
func WithLimiter(l Limiter) Option {
	return func(c *Client) error { c.limiter = l; return nil }
}

// WithBudget sets the per-day budget consulted before every attempt.
func WithBudget(b Budget) Option {
	return func(c *Client) error { c.budget = b; return nil }
}

// WithRetryPolicy replaces DefaultRetryPolicy. Zero fields take defaults.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *Client) error { c.retry = p.withDefaults(); return nil }
}

// WithClock sets the clock used for every wait and for Retry-After dates.
func WithClock(clk clock.Clock) Option {
	return func(c *Client) error { c.clock = clk; return nil }
}

// WithJitter sets the source of backoff jitter, a function returning
// values in [0, 1). Tests use a constant for exact waits.
func WithJitter(f func() float64) Option {
	return func(c *Client) error { c.jitter = f; return nil }
}

// NewClient returns a client for the API at baseURL (DefaultBaseURL when
// empty) authenticating with apiKey. The URL must be https, or http on a
// loopback address (the simulator). The key must not be empty.
//
// Without WithLimiter the client paces only by the server's rate-limit
// headers (it waits for X-RateLimit-Reset when Remaining reaches 0) and by
// Retry-After on a 429; without WithBudget it keeps no daily count. The
// pipelines pass both: a quota.Window for the plan's minute and the
// checkpoint's shared daily ledger.
func NewClient(baseURL, apiKey string, opts ...Option) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(apiKey) == "" {
		return nil, errors.New("API key is empty")
	}
	c := &Client{
		base:   base,
		key:    apiKey,
		ua:     "alexsync",
		log:    slog.New(slog.DiscardHandler),
		retry:  DefaultRetryPolicy(),
		clock:  clock.Real{},
		jitter: rand.Float64,
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 60 * time.Second}
	}
	if insecureTLS(c.hc) && !isLoopback(base.Hostname()) {
		return nil, fmt.Errorf("refusing to disable TLS certificate verification for %s", base.Host)
	}
	return c, nil
}

// CheckBaseURL reports whether raw is a base URL NewClient accepts, so
// that a command can refuse a bad one before it does any work.
func CheckBaseURL(raw string) error {
	_, err := parseBaseURL(raw)
	return err
}

// parseBaseURL validates the base URL: absolute, https (or http on
// loopback), no query or fragment. Credentials in it are refused so that
// they cannot leak through the URL.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("invalid API base URL: %v", redactURLError(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("invalid API base URL %q: want https://host/path", u.Redacted())
	case u.Host == "":
		return nil, fmt.Errorf("invalid API base URL %q: no host", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("invalid API base URL %q: credentials belong in the key, not the URL", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("invalid API base URL %q: no query or fragment allowed", u.Redacted())
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("refusing plain http:// to %s: use https (http is allowed for loopback addresses only)", u.Host)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// redactURLError drops the URL from a *url.Error, which could hold
// credentials.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// isLoopback reports whether host is localhost or a loopback IP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// insecureTLS reports whether the HTTP client skips certificate checks.
func insecureTLS(hc *http.Client) bool {
	tr, ok := hc.Transport.(*http.Transport)
	return ok && tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify
}

// BaseURL returns the API base URL the client sends to.
func (c *Client) BaseURL() string { return c.base.String() }

// Rate returns the rate-limit state of the most recent response.
func (c *Client) Rate() Rate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate
}

// Stats counts what the client sent.
type Stats struct {
	Requests    int            // attempts sent (or attempted) to the server
	ByStatus    map[string]int // attempts by HTTP status, "network" for transport failures
	ByRoute     map[string]int // attempts by "METHOD /route/{id}"
	Retries     int            // attempts after the first, over all requests
	RateLimited int            // 429 answers
}

// Stats returns a copy of the counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.ByStatus = maps.Clone(c.stats.ByStatus)
	s.ByRoute = maps.Clone(c.stats.ByRoute)
	return s
}

// scrub removes the API key from text that came from outside (a server's
// error message could echo it).
func (c *Client) scrub(s string) string {
	if c.key == "" || !strings.Contains(s, c.key) {
		return s
	}
	return strings.ReplaceAll(s, c.key, "[REDACTED]")
}

// endpoint builds the URL for path (escaped, starting with "/") under the
// base URL.
func (c *Client) endpoint(path string, q url.Values) string {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// logPath is path for logs and errors: the base path plus the request
// path, never a query string.
func (c *Client) logPath(path string) string { return c.base.Path + path }
