package sim

import (
	"cmp"
	"net/http"
	"strings"
	"time"
)

// maxCampaignBatch is the most contact ids one add-contacts call accepts.
const maxCampaignBatch = 100

// campaign is one stored campaign with its members in the order added.
type campaign struct {
	ID        string    `json:"id"`
	Seq       uint64    `json:"seq"`
	Name      string    `json:"name"`
	AgentID   string    `json:"agent_id"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	Members   []string  `json:"members,omitempty"`
	memberSet map[string]bool
}

func (c *campaign) index() {
	c.memberSet = make(map[string]bool, len(c.Members))
	for _, id := range c.Members {
		c.memberSet[id] = true
	}
}

func cmpCampaign(a, b *campaign) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Seq, b.Seq))
}

func renderCampaign(c *campaign) map[string]any {
	return map[string]any{
		"id":         c.ID,
		"name":       c.Name,
		"agent_id":   c.AgentID,
		"status":     c.Status,
		"created_at": timestamp(c.CreatedAt),
	}
}

func listCampaigns(s *Server, q *request) reply {
	page, per, bad := pageParams(q.URL.Query())
	if bad != nil {
		return *bad
	}
	var items []any
	for i := len(s.w.Campaigns) - 1; i >= 0; i-- {
		if n := len(s.w.Campaigns) - i; onPage(n, page, per) {
			items = append(items, renderCampaign(s.w.Campaigns[i]))
		}
	}
	return listReply(items, len(s.w.Campaigns), page, per)
}

func getCampaign(s *Server, q *request) reply {
	c, ok := s.w.campByID[q.PathValue("id")]
	if !ok {
		return notFound("campaign")
	}
	return dataReply(http.StatusOK, renderCampaign(c))
}

func createCampaign(s *Server, q *request) reply {
	var in struct {
		Name    *string `json:"name"`
		AgentID *string `json:"agent_id"`
	}
	if bad := decodeStrict(q.body, &in); bad != nil {
		return *bad
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" || in.AgentID == nil || strings.TrimSpace(*in.AgentID) == "" {
		return *badRequest("name and agent_id are required")
	}
	id, seq := s.w.newID("campaign")
	c := &campaign{ID: id, Seq: seq, Name: strings.TrimSpace(*in.Name), AgentID: *in.AgentID, Status: "draft", CreatedAt: q.now.UTC()}
	c.index()
	s.w.Campaigns = insertSorted(s.w.Campaigns, c, cmpCampaign)
	s.w.campByID[id] = c
	return dataReply(http.StatusCreated, renderCampaign(c))
}

// addCampaignContacts adds up to 100 contacts. An id already a member, or
// one that names no contact, is counted as skipped rather than failing the
// batch.
func addCampaignContacts(s *Server, q *request) reply {
	c, ok := s.w.campByID[q.PathValue("id")]
	if !ok {
		return notFound("campaign")
	}
	var in struct {
		ContactIDs []string `json:"contact_ids"`
	}
	if bad := decodeStrict(q.body, &in); bad != nil {
		return *bad
	}
	switch {
	case len(in.ContactIDs) == 0:
		return *badRequest("contact_ids must be a non-empty array")
	case len(in.ContactIDs) > maxCampaignBatch:
		return *badRequest("contact_ids has %d ids; at most %d per request", len(in.ContactIDs), maxCampaignBatch)
	}
	added, skipped := 0, 0
	for _, id := range in.ContactIDs {
		if _, exists := s.w.contactByID[id]; !exists || c.memberSet[id] {
			skipped++
			continue
		}
		c.memberSet[id] = true
		c.Members = append(c.Members, id)
		added++
	}
	return dataReply(http.StatusOK, map[string]any{"added": added, "skipped": skipped})
}

// campaignTransitions maps an action to the states it may start from and
// the state it leads to; any other transition is a 400 invalid_request.
var campaignTransitions = map[string]struct {
	from  []string
	to    string
	event string
}{
	"start":  {[]string{"draft"}, "active", "campaign.started"},
	"pause":  {[]string{"active"}, "paused", "campaign.paused"},
	"resume": {[]string{"paused"}, "active", "campaign.resumed"},
}

func campaignAction(action string) handler {
	tr := campaignTransitions[action]
	return func(s *Server, q *request) reply {
		c, ok := s.w.campByID[q.PathValue("id")]
		if !ok {
			return notFound("campaign")
		}
		if !contains(tr.from, c.Status) {
			return *badRequest("cannot %s a campaign that is %s", action, c.Status)
		}
		c.Status = tr.to
		s.emit(tr.event, renderCampaign(c), q.now)
		return dataReply(http.StatusOK, renderCampaign(c))
	}
}
