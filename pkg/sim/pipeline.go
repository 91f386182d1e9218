package sim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a request body; the real API has a limit too.
const maxBody = 1 << 20

// request is what a handler sees: the HTTP request, its body read in full
// before the state lock was taken, and the simulated time of the request.
type request struct {
	*http.Request
	body []byte
	now  time.Time
}

// apiHandler runs every /v1 request through the same pipeline: latency,
// request id, auth, quota, faults, method dispatch, read-only keys, the
// handler, and finally the ambiguous-write fault. A nil methods map answers
// 404 for every method (the catch-all under /v1).
func (s *Server) apiHandler(methods map[string]handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.sleepLatency(r) != nil {
			return // the client went away during the simulated latency
		}
		body, err := readBody(r)
		route := r.Method + " " + r.Pattern
		s.mu.Lock()
		w.Header().Set("X-Request-Id", s.nextRequestID())
		now := s.opts.Clock.Now()
		s.advanceLocked(now)
		rep, abort := s.admit(w.Header(), r, now)
		if rep == nil && !abort {
			rep = s.dispatch(methods, &request{Request: r, body: body, now: now}, err)
			rep, abort = s.ambiguous(r.Method, rep)
		}
		if abort {
			s.stats.record(route, "dropped")
			s.mu.Unlock()
			panic(http.ErrAbortHandler)
		}
		s.stats.record(route, strconv.Itoa(rep.status))
		out := marshalReply(*rep)
		s.mu.Unlock()
		if rep.allow != "" {
			w.Header().Set("Allow", rep.allow)
		}
		writeBytes(w, rep.status, out)
	})
}

// admit authenticates r, applies the quota and draws the pre-change faults.
// It returns the reply that ends the request early, or abort when the
// connection must be dropped, or (nil, false) to go on. The caller holds s.mu.
func (s *Server) admit(h http.Header, r *http.Request, now time.Time) (*reply, bool) {
	key, ok := s.keys[bearerToken(r)]
	if !ok {
		rep := errReply(http.StatusUnauthorized, "unauthorized", "missing or unknown API key")
		return &rep, false
	}
	q := s.quota(key.Key)
	retry, limited := q.admit(now, s.lim, s.opts.Minute, s.opts.Day)
	q.setHeaders(h, now, s.lim, s.opts.Minute)
	if limited {
		s.stats.rateLimited++
		h.Set("Retry-After", strconv.FormatInt(ceilSeconds(retry), 10))
		rep := errReply(http.StatusTooManyRequests, "rate_limited", "rate limit exceeded; retry after "+h.Get("Retry-After")+"s")
		return &rep, false
	}
	reset, fail := s.drawPreFaults()
	switch {
	case reset:
		s.stats.faults[FaultReset]++
		return nil, true
	case fail:
		s.stats.faults[FaultFail]++
		rep := errReply(http.StatusInternalServerError, "server_error", "internal error (simulated)")
		return &rep, false
	}
	if key.ReadOnly && isWrite(r.Method) {
		rep := errReply(http.StatusForbidden, "forbidden", "this API key is read-only")
		return &rep, false
	}
	return nil, false
}

// dispatch finds the handler for the method and runs it. The caller holds s.mu.
func (s *Server) dispatch(methods map[string]handler, q *request, bodyErr error) *reply {
	var rep reply
	h, ok := methods[q.Method]
	switch {
	case methods == nil:
		rep = errReply(http.StatusNotFound, "not_found", "no such path: "+q.URL.Path)
	case !ok:
		rep = errReply(http.StatusMethodNotAllowed, "method_not_allowed", q.Method+" is not allowed on "+q.URL.Path)
		rep.allow = allowList(methods)
	case bodyErr != nil:
		rep = errReply(http.StatusBadRequest, "invalid_request", "request body unreadable or larger than 1 MiB")
	default:
		rep = h(s, q)
	}
	return &rep
}

// sleepLatency waits the jittered Options.Latency (0.5x..1.5x) on the clock.
func (s *Server) sleepLatency(r *http.Request) error {
	if s.opts.Latency <= 0 {
		return nil
	}
	s.mu.Lock()
	d := time.Duration(float64(s.opts.Latency) * (0.5 + s.jitter.Float64()))
	s.mu.Unlock()
	return s.opts.Clock.Sleep(r.Context(), d)
}

func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func allowList[V any](methods map[string]V) string {
	names := make([]string, 0, len(methods))
	for m := range methods {
		names = append(names, m)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// ceilSeconds rounds d up to whole seconds, at least 1.
func ceilSeconds(d time.Duration) int64 {
	secs := int64((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

// errReply builds the error envelope.
func errReply(status int, code, msg string) reply {
	return reply{status: status, body: map[string]any{
		"error": map[string]any{"code": code, "message": msg, "status": status},
	}}
}

// dataReply wraps one object in {"data": ...}.
func dataReply(status int, v any) reply {
	return reply{status: status, body: map[string]any{"data": v}}
}

// marshalReply encodes the body; a nil body (204) encodes to nothing.
func marshalReply(rep reply) []byte {
	if rep.body == nil {
		return nil
	}
	b, err := json.Marshal(rep.body)
	if err != nil {
		// Bodies are built from maps of plain values; this cannot happen.
		panic(err)
	}
	return append(b, '\n')
}

func writeReply(w http.ResponseWriter, rep reply) {
	if rep.allow != "" {
		w.Header().Set("Allow", rep.allow)
	}
	writeBytes(w, rep.status, marshalReply(rep))
}

func writeBytes(w http.ResponseWriter, status int, body []byte) {
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// readBody reads at most maxBody bytes of r's body; a longer body is an error.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err == nil && len(b) > maxBody {
		err = errors.New("request body larger than 1 MiB")
	}
	return b, err
}
