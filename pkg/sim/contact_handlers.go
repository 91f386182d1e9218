package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// decodeStrict decodes a JSON object body into dst, rejecting an empty or
// malformed body, unknown fields, wrong types and trailing data.
func decodeStrict(body []byte, dst any) *reply {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return badRequest("invalid JSON body: data after the object")
	}
	return nil
}

func listContacts(s *Server, q *request) reply {
	page, per, bad := pageParams(q.URL.Query())
	if bad != nil {
		return *bad
	}
	v := q.URL.Query()
	status, search, camp := v.Get("status"), v.Get("search"), v.Get("campaign_id")
	if status != "" && status != "active" && status != "dnc" {
		return *badRequest("status %q must be active or dnc", status)
	}
	var items []any
	total := 0
	for i := len(s.w.Contacts) - 1; i >= 0; i-- {
		c := s.w.Contacts[i]
		if !s.w.matches(c, status, search, camp) {
			continue
		}
		total++
		if onPage(total, page, per) {
			items = append(items, s.renderContact(c))
		}
	}
	return listReply(items, total, page, per)
}

func getContact(s *Server, q *request) reply {
	c, ok := s.w.contactByID[q.PathValue("id")]
	if !ok {
		return notFound("contact")
	}
	return dataReply(http.StatusOK, s.renderContact(c))
}

func createContact(s *Server, q *request) reply {
	var in contactInput
	if bad := decodeStrict(q.body, &in); bad != nil {
		return *bad
	}
	if bad := s.validateContact(&in, true, nil); bad != nil {
		return *bad
	}
	if len(s.w.Contacts) >= s.lim.contactCap {
		return errReply(http.StatusForbidden, "forbidden",
			"contact cap reached: plan "+s.lim.plan+" allows "+itoa(s.lim.contactCap)+" contacts")
	}
	id, seq := s.w.newID("contact")
	c := &contact{ID: id, Seq: seq, Status: "active", CreatedAt: q.now.UTC(), UpdatedAt: q.now.UTC()}
	s.w.apply(c, &in)
	s.w.Contacts = insertSorted(s.w.Contacts, c, cmpContact)
	s.w.contactByID[id] = c
	s.emit("contact.created", s.renderContact(c), q.now)
	if c.Status == "dnc" {
		s.emit("contact.dnc", s.renderContact(c), q.now)
	}
	return dataReply(http.StatusCreated, s.renderContact(c))
}

// updateContact serves PATCH and PUT alike: a partial update.
func updateContact(s *Server, q *request) reply {
	c, ok := s.w.contactByID[q.PathValue("id")]
	if !ok {
		return notFound("contact")
	}
	var in contactInput
	if bad := decodeStrict(q.body, &in); bad != nil {
		return *bad
	}
	if bad := s.validateContact(&in, false, c); bad != nil {
		return *bad
	}
	wasDNC := c.Status == "dnc"
	s.w.apply(c, &in)
	c.UpdatedAt = q.now.UTC()
	s.emit("contact.updated", s.renderContact(c), q.now)
	if !wasDNC && c.Status == "dnc" {
		s.emit("contact.dnc", s.renderContact(c), q.now)
	}
	return dataReply(http.StatusOK, s.renderContact(c))
}

// deleteContact removes the contact and its campaign memberships; its
// calls keep their contact_id.
func deleteContact(s *Server, q *request) reply {
	c, ok := s.w.contactByID[q.PathValue("id")]
	if !ok {
		return notFound("contact")
	}
	delete(s.w.contactByID, c.ID)
	s.w.Contacts = removeFirst(s.w.Contacts, c)
	s.w.unindexPhone(c.Phone)
	for _, cp := range s.w.Campaigns {
		if cp.memberSet[c.ID] {
			delete(cp.memberSet, c.ID)
			cp.Members = removeFirst(cp.Members, c.ID)
		}
	}
	s.emit("contact.deleted", s.renderContact(c), q.now)
	return reply{status: http.StatusNoContent}
}
