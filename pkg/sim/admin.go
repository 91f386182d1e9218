package sim

import (
	"bytes"
	"net/http"
)

// maxAdminCalls bounds POST /_sim/calls and the calls of POST /_sim/reset.
const maxAdminCalls = 100_000

// adminStats serves GET /_sim/stats: the Stats snapshot as a bare object.
func (s *Server) adminStats(w http.ResponseWriter, _ *http.Request) {
	writeReply(w, reply{status: http.StatusOK, body: s.Stats()})
}

// adminReset serves POST /_sim/reset with an optional body {"calls": N}:
// it clears every record, the stats, the quotas and the webhook queue,
// re-seeds the random generators from Options.Seed, then seeds N calls
// (default 0), none linked to a contact, since none exists then. It
// answers {"data":{"reset":true,"calls":N}}, with a "warning" saying so
// when N > 0.
func (s *Server) adminReset(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Calls int `json:"calls"`
	}
	if bad := decodeOptional(r, &in); bad != nil {
		writeReply(w, *bad)
		return
	}
	if in.Calls < 0 || in.Calls > maxAdminCalls {
		writeReply(w, *badRequest("calls must be between 0 and %d", maxAdminCalls))
		return
	}
	s.mu.Lock()
	s.resetLocked(in.Calls)
	s.mu.Unlock()
	out := map[string]any{"reset": true, "calls": in.Calls}
	if in.Calls > 0 {
		// A reset world has no contact to link the calls to.
		out["warning"] = unlinkedCallsWarning + " (create contacts first, then POST /_sim/calls)"
		s.opts.Logger.Warn(unlinkedCallsWarning, "calls", in.Calls)
	}
	writeReply(w, dataReply(http.StatusOK, out))
}

// adminContacts serves GET /_sim/contacts: every contact, newest first, in
// one bare JSON array without paging, in the configured shape.
func (s *Server) adminContacts(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := make([]any, 0, len(s.w.Contacts))
	for i := len(s.w.Contacts) - 1; i >= 0; i-- {
		out = append(out, s.renderContact(s.w.Contacts[i]))
	}
	body := marshalReply(reply{body: out})
	s.mu.Unlock()
	writeBytes(w, http.StatusOK, body)
}

// adminCalls serves POST /_sim/calls {"count": N}: N calls end now (their
// late fields appear LateAfter later), their webhook events are queued,
// and it answers 201 {"data":{"added":N,"ids":[...]}}.
func (s *Server) adminCalls(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Count int `json:"count"`
	}
	if bad := decodeOptional(r, &in); bad != nil {
		writeReply(w, *bad)
		return
	}
	if in.Count < 1 || in.Count > maxAdminCalls {
		writeReply(w, *badRequest("count must be between 1 and %d", maxAdminCalls))
		return
	}
	s.mu.Lock()
	now := s.opts.Clock.Now()
	s.advanceLocked(now)
	ids := make([]string, 0, in.Count)
	for range in.Count {
		c := s.w.addCall(now)
		s.emitCall(c, now)
		ids = append(ids, c.ID)
	}
	s.mu.Unlock()
	writeReply(w, dataReply(http.StatusCreated, map[string]any{"added": in.Count, "ids": ids}))
}

// decodeOptional decodes a strict JSON body when there is one.
func decodeOptional(r *http.Request, dst any) *reply {
	body, err := readBody(r)
	if err != nil {
		return badRequest("request body unreadable or larger than 1 MiB")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return decodeStrict(body, dst)
}
