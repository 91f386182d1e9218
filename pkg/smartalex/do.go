package smartalex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Body size limits: a success body (a page of 100 calls with transcripts)
// may be large; an error body is only read for its message.
const (
	maxBody      = 32 << 20
	maxErrorBody = 64 << 10
)

// Response describes a successful answer.
type Response struct {
	StatusCode int
	RequestID  string
	Rate       Rate
	Meta       *ListMeta // for list answers
}

// responseSink is the context key of CaptureResponse.
type responseSink struct{}

// CaptureResponse returns a context under which a method that succeeds
// stores the answer it got (status, request id, rate state) in *r. It
// serves the methods that return only the object, such as CreateContact;
// a failed call leaves *r alone (its *APIError carries the answer).
func CaptureResponse(ctx context.Context, r *Response) context.Context {
	return context.WithValue(ctx, responseSink{}, r)
}

// sendHook is the context key of BeforeSend.
type sendHook struct{}

// BeforeSend returns a context under which each attempt of a call runs fn
// right before its request leaves: after the waits for the limiter and
// the budget, and before every retry. An error from fn ends the call
// without sending (the budget taken for the attempt is given back).
func BeforeSend(ctx context.Context, fn func(context.Context) error) context.Context {
	return context.WithValue(ctx, sendHook{}, fn)
}

// stopKey is the context key of StopWaiting.
type stopKey struct{}

// ErrNotSent is matched by the error of a call that StopWaiting's stop
// ended before its request left: nothing of this attempt reached the
// server (an earlier attempt of an idempotent call may have).
var ErrNotSent = errors.New("stopped before the request was sent")

// StopWaiting returns a context under which a call's waits before its
// request leaves (for the rate window, the budget, the limiter, a retry's
// back-off) also end when stop is done, with an error matching ErrNotSent
// and context.Canceled. A request already sent is still waited for under
// ctx alone: the first Ctrl-C stops what has not left, and lets what has
// finish.
func StopWaiting(ctx, stop context.Context) context.Context {
	return context.WithValue(ctx, stopKey{}, stop)
}

// waitContext returns the context the waits of a call under ctx use.
func waitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	stop, ok := ctx.Value(stopKey{}).(context.Context)
	if !ok {
		return ctx, func() {}
	}
	wctx, cancel := context.WithCancelCause(ctx)
	if stop.Err() != nil {
		cancel(context.Canceled) // at once: AfterFunc would run later
		return wctx, func() {}
	}
	unhook := context.AfterFunc(stop, func() { cancel(context.Canceled) })
	return wctx, func() { unhook(); cancel(nil) }
}

// notSent turns the error of a wait that stop ended into ErrNotSent.
func notSent(ctx, wctx context.Context, err error) error {
	if ctx.Err() == nil && wctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrNotSent, context.Canceled)
	}
	return err
}

// request is one logical API call, possibly sent several times.
type request struct {
	method string
	path   string // under the base URL, starting with "/"
	query  url.Values
	body   any
	// idempotent requests may be resent after they may have been applied
	// (GET, PATCH, PUT, DELETE, campaign actions). Creates are not.
	idempotent bool
	// goneIsDone makes a 404 success when an earlier attempt may already
	// have deleted the record.
	goneIsDone bool
}

// outcome is what one attempt produced.
type outcome struct {
	status  int // 0 when no answer arrived
	header  http.Header
	body    []byte
	written bool  // the whole request reached the connection
	err     error // transport or body-read failure
}

// do sends req, retrying within the policy, and decodes a 2xx body into
// out (nil to discard).
func (c *Client) do(ctx context.Context, req *request, out any) (*Response, error) {
	var payload []byte
	if req.body != nil {
		var err error
		if payload, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", req.method, req.path, err)
		}
	}
	path := c.logPath(req.path)
	start := c.clock.Now()
	mayHaveApplied := false
	wctx, done := waitContext(ctx)
	defer done()
	for attempt := 1; ; attempt++ {
		if err := c.beforeAttempt(wctx); err != nil {
			return nil, notSent(ctx, wctx, err)
		}
		if wctx.Err() != nil && ctx.Err() == nil {
			// Stopped while taking the budget and a slot that needed no
			// wait: still not sent.
			if c.budget != nil {
				c.budget.Release(ctx)
			}
			return nil, notSent(ctx, wctx, wctx.Err())
		}
		if hook, ok := ctx.Value(sendHook{}).(func(context.Context) error); ok {
			if err := hook(ctx); err != nil {
				if c.budget != nil {
					c.budget.Release(ctx)
				}
				return nil, fmt.Errorf("%s %s: before sending: %w", req.method, path, err)
			}
		}
		t0 := c.clock.Now()
		o := c.send(ctx, req, payload)
		c.afterAttempt(req, o, attempt)
		c.log.Debug("smartalex request", "method", req.method, "path", path, "status", o.status,
			"attempt", attempt, "elapsed", c.clock.Now().Sub(t0).String(), "request_id", o.header.Get("X-Request-Id"))
		if !o.written && o.status == 0 && c.budget != nil {
			c.budget.Release(ctx) // never reached the server: not counted
		}
		v := c.judge(ctx, req, path, o, out, mayHaveApplied, attempt)
		if v.retry == nil {
			if sink, ok := ctx.Value(responseSink{}).(*Response); ok && v.res != nil {
				*sink = *v.res
			}
			return v.res, v.err
		}
		// A write answered by nothing or by a 5xx may have been applied.
		mayHaveApplied = mayHaveApplied || (o.written && (o.status == 0 || o.status >= 500))
		if attempt >= c.retry.MaxAttempts {
			return nil, fmt.Errorf("giving up after %d attempts: %w", attempt, v.retry)
		}
		if c.clock.Now().Add(v.wait).Sub(start) > c.retry.MaxElapsed {
			return nil, fmt.Errorf("giving up after %d attempts in %s: %w", attempt, c.clock.Now().Sub(start).Round(time.Millisecond), v.retry)
		}
		c.log.Warn("smartalex retry", "method", req.method, "path", path, "attempt", attempt, "wait", v.wait.String(), "error", v.retry)
		if err := c.clock.Sleep(wctx, v.wait); err != nil {
			return nil, notSent(ctx, wctx, fmt.Errorf("%w (after %d attempts: %v)", err, attempt, v.retry))
		}
	}
}

// verdict is what an attempt's outcome means: done (res, or a final err),
// or retry (the retryable error and the wait before the next attempt).
type verdict struct {
	res   *Response
	err   error
	retry error
	wait  time.Duration
}

func done(res *Response) verdict { return verdict{res: res} }
func fail(err error) verdict     { return verdict{err: err} }
func again(err error, wait time.Duration) verdict {
	return verdict{retry: err, wait: wait}
}

// judge decides what attempt number n's outcome means.
func (c *Client) judge(ctx context.Context, req *request, path string, o outcome, out any, mayHaveApplied bool, n int) verdict {
	now := c.clock.Now()
	switch {
	case o.status == 0 || (o.err != nil && o.status < 300):
		// No answer, or a 2xx whose body could not be read.
		cause := o.err
		if ctx.Err() != nil {
			cause = ctx.Err()
		}
		if o.written && !req.idempotent {
			return fail(&AmbiguousError{Method: req.method, Path: path, Err: cause})
		}
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		return again(&NetError{Method: req.method, Path: path, Err: cause}, c.retry.backoff(n, c.jitter()))
	case o.status < 300:
		meta, err := decodeData(o.body, out)
		if err != nil {
			err = fmt.Errorf("%s %s: %w", req.method, path, err)
			if !req.idempotent {
				return fail(&AmbiguousError{Method: req.method, Path: path, Err: err})
			}
			return fail(err)
		}
		return done(&Response{StatusCode: o.status, RequestID: o.header.Get("X-Request-Id"), Rate: parseRate(o.header, now), Meta: meta})
	}
	apiErr := parseError(req.method, path, o.status, o.header, o.body, now)
	apiErr.Message = c.scrub(apiErr.Message)
	switch {
	case o.status == http.StatusTooManyRequests:
		if c.budget != nil {
			c.budget.Release(ctx) // a 429 does not count against the day
		}
		wait := apiErr.RetryAfter
		if wait <= 0 {
			wait = c.retry.backoff(n, c.jitter())
		}
		if wait > c.retry.MaxRetryAfter {
			scope := "minute"
			if r := parseRate(o.header, now); r.DailyKnown && r.DailyRemaining == 0 {
				scope = "day"
			}
			return fail(&QuotaError{Scope: scope, ResetAt: now.Add(wait), Err: apiErr})
		}
		return again(apiErr, wait)
	case o.status >= 500 && o.status != http.StatusNotImplemented:
		if !req.idempotent {
			return fail(&AmbiguousError{Method: req.method, Path: path, Err: apiErr})
		}
		wait := apiErr.RetryAfter
		if wait <= 0 || wait > c.retry.MaxRetryAfter {
			wait = c.retry.backoff(n, c.jitter())
		}
		return again(apiErr, wait)
	case o.status == http.StatusNotFound && req.goneIsDone && mayHaveApplied:
		// An earlier attempt's delete reached the server after all.
		return done(&Response{StatusCode: o.status, RequestID: apiErr.RequestID, Rate: parseRate(o.header, now)})
	default:
		return fail(apiErr)
	}
}

// beforeAttempt waits for a spent minute window to reset (unless the
// limiter paces by the server's count), refuses to send into a spent day,
// then takes the budget and the limiter.
func (c *Client) beforeAttempt(ctx context.Context) error {
	now := c.clock.Now()
	_, paced := c.limiter.(WindowObserver)
	if scope, until := c.Rate().blockedUntil(now); scope == "day" || (scope == "minute" && !paced) {
		wait := until.Sub(now)
		if scope == "day" || wait > c.retry.MaxRetryAfter {
			return &QuotaError{Scope: scope, ResetAt: until}
		}
		c.log.Info("smartalex rate window spent, waiting for reset", "scope", scope, "wait", wait)
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	// The budget first: its commit may take a while, and the limiter's
	// stamp must be taken right before the request leaves, as the server's
	// will be when it arrives.
	if c.budget != nil {
		if err := c.budget.Acquire(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &QuotaError{Scope: "budget", Err: err}
		}
	}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			if c.budget != nil {
				c.budget.Release(ctx) // never sent
			}
			return err
		}
	}
	return nil
}

// send makes one attempt. It reports whether the request was completely
// written, which separates "never sent" from "may have been applied".
func (c *Client) send(ctx context.Context, req *request, payload []byte) outcome {
	var written atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			written.Store(true)
		}
	}}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), req.method, c.endpoint(req.path, req.query), body)
	if err != nil {
		return outcome{err: redactURLError(err)}
	}
	hreq.Header.Set("Authorization", "Bearer "+c.key)
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.ua)
	if payload != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		return outcome{written: written.Load(), err: redactURLError(err)}
	}
	defer resp.Body.Close()
	limit := int64(maxBody)
	if resp.StatusCode >= 300 {
		limit = maxErrorBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	o := outcome{status: resp.StatusCode, header: resp.Header, body: b, written: true}
	switch {
	case err != nil:
		o.err = fmt.Errorf("reading response: %w", redactURLError(err))
	case int64(len(b)) > limit && resp.StatusCode < 300:
		o.err = fmt.Errorf("response body exceeds %d bytes", limit)
	case int64(len(b)) > limit:
		o.body = b[:limit] // an error body is only read for its message
	}
	return o
}

// routeOf names a request path with its ids replaced: "/contacts/c_1"
// is "/contacts/{id}", "/campaigns/x/start" is "/campaigns/{id}/start".
func routeOf(path string) string {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) > 1 {
		parts[1] = "{id}"
	}
	return "/" + strings.Join(parts, "/")
}

// afterAttempt records stats and the rate-limit state of an answer.
func (c *Client) afterAttempt(req *request, o outcome, attempt int) {
	key := "network"
	if o.status != 0 {
		key = strconv.Itoa(o.status)
	}
	var rate Rate
	if o.status != 0 {
		rate = parseRate(o.header, c.clock.Now())
	}
	c.mu.Lock()
	c.stats.Requests++
	if c.stats.ByStatus == nil {
		c.stats.ByStatus = map[string]int{}
	}
	c.stats.ByStatus[key]++
	if c.stats.ByRoute == nil {
		c.stats.ByRoute = map[string]int{}
	}
	c.stats.ByRoute[req.method+" "+routeOf(req.path)]++
	if attempt > 1 {
		c.stats.Retries++
	}
	if o.status == http.StatusTooManyRequests {
		c.stats.RateLimited++
	}
	if rate.Known || rate.DailyKnown {
		c.rate = rate
	}
	c.mu.Unlock()
	if wo, ok := c.limiter.(WindowObserver); ok && rate.Known {
		wo.ObserveRemaining(rate.Limit, rate.Remaining, rate.ObservedAt)
	}
	if rate.Known || rate.DailyKnown {
		for _, x := range []any{c.limiter, c.budget} {
			if ro, ok := x.(RateObserver); ok {
				ro.ObserveRate(rate)
			}
		}
	}
}
