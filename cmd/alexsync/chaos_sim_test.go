package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"

	"github.com/alexsync/alexsync/pkg/sim"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

// chaosCompetitorHeader marks the competing client's requests, so that the
// chaos simulator can count them apart from alexsync's.
const chaosCompetitorHeader = "X-Chaos-Competitor"

// chaosSim serves a simulator behind a wrapper that counts alexsync's
// requests by kind and answer (the simulator's own Stats mix in the
// competitor's), and calls hook before each of alexsync's requests with
// their running count, to kill a child at a chosen request.
type chaosSim struct {
	*sim.Server
	url         string // the API base, .../v1
	base        string // the server root, for /_sim/
	n           atomic.Int64
	comp        atomic.Int64 // the competitor's requests the simulator counted
	compLimited atomic.Int64 // ... of which answered 429
	inflight    atomic.Int64 // /v1 requests being served

	mu     sync.Mutex
	hook   func(n int64, r *http.Request) // the kill hook of the current run
	always func(r *http.Request)          // called before each of alexsync's requests; nil: none
	counts map[string]int                 // "kind status" of alexsync's requests
}

func newChaosSim(t *testing.T, opts sim.Options) *chaosSim {
	t.Helper()
	s, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	cs := &chaosSim{Server: s, counts: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(cs.serve))
	t.Cleanup(srv.Close)
	cs.base, cs.url = srv.URL, srv.URL+"/v1"
	return cs
}

func (cs *chaosSim) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		cs.Server.ServeHTTP(w, r) // admin endpoints: not API traffic
		return
	}
	cs.inflight.Add(1)
	defer cs.inflight.Add(-1)
	if r.Header.Get(chaosCompetitorHeader) != "" {
		sw := &chaosStatusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				cs.comp.Add(1) // dropped by the simulator: counted there
				panic(p)
			}
			if sw.status != 0 {
				cs.comp.Add(1)
			}
			if sw.status == http.StatusTooManyRequests {
				cs.compLimited.Add(1)
			}
		}()
		cs.Server.ServeHTTP(sw, r)
		return
	}
	n := cs.n.Add(1)
	cs.mu.Lock()
	hook, always := cs.hook, cs.always
	cs.mu.Unlock()
	if always != nil {
		always(r)
	}
	if hook != nil {
		hook(n, r)
	}
	sw := &chaosStatusWriter{ResponseWriter: w}
	kind := chaosRequestKind(r)
	defer func() {
		if p := recover(); p != nil {
			cs.note(kind, "dropped") // the simulator dropped the connection
			panic(p)
		}
		if sw.status == 0 {
			// The client went away during the simulated latency: the
			// simulator neither applied nor counted the request.
			cs.note(kind, "abandoned")
			return
		}
		cs.note(kind, strconv.Itoa(sw.status))
	}()
	cs.Server.ServeHTTP(sw, r)
}

func (cs *chaosSim) note(kind, status string) {
	cs.mu.Lock()
	cs.counts[kind+" "+status]++
	cs.mu.Unlock()
}

func (cs *chaosSim) setHook(f func(int64, *http.Request)) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.hook = f
}

func (cs *chaosSim) setAlways(f func(*http.Request)) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.always = f
}

// quiesce waits until no /v1 request is being served: after a kill the
// server notices the closed connection only a moment later, and the
// counters are compared only once every handler has recorded its answer.
func (cs *chaosSim) quiesce(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for cs.inflight.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d simulator requests still being served after 10s", cs.inflight.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// requestCounts is a copy of alexsync's requests by "kind status".
func (cs *chaosSim) requestCounts() map[string]int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make(map[string]int, len(cs.counts))
	for k, v := range cs.counts {
		out[k] = v
	}
	return out
}

// chaosRequestKind names what a request is for, in the terms of the request
// minimum: a create, an update, a delete, an adoption listing page, a
// lookup by phone (settling an unknown outcome), a call list or detail.
func chaosRequestKind(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/v1")
	switch {
	case r.Method == http.MethodPost && p == "/contacts":
		return "create"
	case r.Method == http.MethodPatch || r.Method == http.MethodPut:
		return "update"
	case r.Method == http.MethodDelete:
		return "delete"
	case r.Method == http.MethodGet && p == "/contacts" && r.URL.Query().Get("search") != "":
		return "lookup"
	case r.Method == http.MethodGet && p == "/contacts":
		return "list"
	case r.Method == http.MethodGet && p == "/calls":
		return "calls"
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/calls/"):
		return "call"
	}
	return r.Method + " other"
}

type chaosStatusWriter struct {
	http.ResponseWriter
	status int
}

func (w *chaosStatusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *chaosStatusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// chaosHeaderTransport adds the competitor's marker to every request.
type chaosHeaderTransport struct{ rt http.RoundTripper }

func (h chaosHeaderTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(chaosCompetitorHeader, "1")
	return h.rt.RoundTrip(r)
}

// chaosCompetitorMaxInFlight bounds the competitor's concurrent requests.
const chaosCompetitorMaxInFlight = 64

// chaosStartCompetitor runs another client on the same key that lists
// contacts at perMinute requests per minute until the returned stop is
// called. Each request goes out on its own goroutine at its tick, so the
// simulator's latency does not slow the rate down (at most
// chaosCompetitorMaxInFlight at once; a tick that finds them all busy is
// skipped). It never retries and ignores every answer: it is a careless
// neighbour that keeps knocking after the day is spent (a fresh client per
// request, so that no remembered rate state holds it back). stop waits for
// its requests in flight.
func chaosStartCompetitor(url, key string, perMinute int, minute time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	hc := &http.Client{Transport: chaosHeaderTransport{http.DefaultTransport}, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	slots := make(chan struct{}, chaosCompetitorMaxInFlight)
	send := func() {
		defer wg.Done()
		defer func() { <-slots }()
		c, err := smartalex.NewClient(url, key, smartalex.WithHTTPClient(hc), smartalex.WithRetryPolicy(smartalex.RetryPolicy{MaxAttempts: 1}))
		if err != nil {
			panic(err) // a loopback URL and a key: cannot fail
		}
		// Every answer, 429 and faults included, is fine for a competitor.
		_, _, _ = c.ListContacts(ctx, smartalex.ContactListOptions{ListOptions: smartalex.ListOptions{PerPage: 1}})
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(minute / time.Duration(perMinute))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			select {
			case slots <- struct{}{}:
				wg.Add(1)
				go send()
			default:
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// chaosShiftedClock is the wall clock plus an offset that a test moves
// forward, so that a simulator's late fields appear without a real wait.
type chaosShiftedClock struct{ off atomic.Int64 }

var _ clock.Clock = (*chaosShiftedClock)(nil)

func (c *chaosShiftedClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

func (c *chaosShiftedClock) Sleep(ctx context.Context, d time.Duration) error {
	return clock.Real{}.Sleep(ctx, d)
}

func (c *chaosShiftedClock) Advance(d time.Duration) { c.off.Add(int64(d)) }
