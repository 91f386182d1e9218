package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Server is the simulator. It is safe for concurrent use; create it with New.
type Server struct {
	opts    Options
	lim     limits
	keys    map[string]Key
	mux     *http.ServeMux
	started time.Time

	mu       sync.Mutex // guards everything below; never held while sleeping or sending
	w        *world
	quotas   map[string]*keyQuota
	faultPCG *rand.PCG
	faultRNG *rand.Rand
	jitter   *rand.Rand
	stats    counters
	reqSeq   uint64
	queue    []delivery
	notify   chan struct{}
}

// handler is one API operation. It runs with s.mu held and must not block;
// it returns what to answer instead of writing it, so the request pipeline
// can turn a successful write into an ambiguous failure.
type handler func(s *Server, q *request) reply

// reply is a handler's answer: a status and a body marshalled as JSON
// (no body when nil).
type reply struct {
	status int
	body   any
	allow  string // the Allow header of a 405
}

// New validates opts, applies defaults, loads state from opts.StatePath when
// that file exists, then seeds opts.Calls calls over the contacts that
// exist (see Options.Calls). Seeding calls while there is no contact logs
// one warning on Options.Logger: those calls have a null contact_id.
func New(opts Options) (*Server, error) {
	o, lim, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    o,
		lim:     lim,
		keys:    make(map[string]Key, len(o.Keys)),
		started: o.Clock.Now(),
		notify:  make(chan struct{}, 1),
	}
	for _, k := range o.Keys {
		s.keys[k.Key] = k
	}
	s.resetLocked(0)
	if o.StatePath != "" {
		if err := s.load(o.StatePath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sim: load state: %w", err)
		}
	}
	if o.Calls > 0 && len(s.w.Contacts) == 0 {
		o.Logger.Warn(unlinkedCallsWarning, "calls", o.Calls)
	}
	s.w.seedCalls(o.Calls, s.started)
	s.routes()
	return s, nil
}

// unlinkedCallsWarning is logged by New when it seeds calls into a world
// without contacts.
const unlinkedCallsWarning = "no contacts yet: seeded calls are not linked to a contact"

// resetLocked replaces the world, quotas, stats and queues with fresh ones
// seeded from Options.Seed, then seeds n calls. The caller holds s.mu or
// owns s exclusively.
func (s *Server) resetLocked(n int) {
	seed := uint64(s.opts.Seed)
	s.faultPCG = rand.NewPCG(seed, 0xfa017)
	s.faultRNG = rand.New(s.faultPCG)
	s.jitter = rand.New(rand.NewPCG(seed, 0x1a7e))
	s.quotas = make(map[string]*keyQuota)
	s.stats = newCounters()
	s.queue = nil
	s.w = newWorld(seed, s.opts.Clock.Now(), s.opts)
	s.w.seedCalls(n, s.opts.Clock.Now())
}

// ServeHTTP serves the API under /v1 and the admin endpoints under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	api := map[string]map[string]handler{
		"/v1/contacts":                {"GET": listContacts, "POST": createContact},
		"/v1/contacts/{id}":           {"GET": getContact, "PATCH": updateContact, "PUT": updateContact, "DELETE": deleteContact},
		"/v1/calls":                   {"GET": listCalls},
		"/v1/calls/{id}":              {"GET": getCall},
		"/v1/campaigns":               {"GET": listCampaigns, "POST": createCampaign},
		"/v1/campaigns/{id}":          {"GET": getCampaign},
		"/v1/campaigns/{id}/contacts": {"POST": addCampaignContacts},
		"/v1/campaigns/{id}/start":    {"POST": campaignAction("start")},
		"/v1/campaigns/{id}/pause":    {"POST": campaignAction("pause")},
		"/v1/campaigns/{id}/resume":   {"POST": campaignAction("resume")},
		"/v1/webhooks":                {"GET": listWebhooks, "POST": createWebhook},
		"/v1/webhooks/{id}":           {"DELETE": deleteWebhook},
		"/v1/":                        nil, // anything else under /v1: 404 after auth
	}
	for pattern, methods := range api {
		s.mux.Handle(pattern, s.apiHandler(methods))
	}
	admin := map[string]map[string]http.HandlerFunc{
		"/_sim/stats":    {"GET": s.adminStats},
		"/_sim/reset":    {"POST": s.adminReset},
		"/_sim/contacts": {"GET": s.adminContacts},
		"/_sim/calls":    {"POST": s.adminCalls},
	}
	for pattern, methods := range admin {
		s.mux.Handle(pattern, adminHandler(methods))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeReply(w, errReply(http.StatusNotFound, "not_found", "no such path: "+r.URL.Path))
	})
}

// adminHandler dispatches an admin path by method, answering 405 otherwise.
func adminHandler(methods map[string]http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", allowList(methods))
			writeReply(w, errReply(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path))
			return
		}
		h(w, r)
	})
}

// nextRequestID returns a unique, opaque request id. The caller holds s.mu.
func (s *Server) nextRequestID() string {
	s.reqSeq++
	return "req_" + opaque(uint64(s.opts.Seed), s.reqSeq)
}
