package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// agentIDs are the simulated tenant's agents.
var agentIDs = []string{"agent_5c1e0a77", "agent_9b72d4c1", "agent_e03f6812"}

// weighted picks from names with the given integer weights.
func weighted(rng *rand.Rand, names []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return names[i]
		}
		n -= w
	}
	return names[len(names)-1]
}

// addCall generates one call that ended at end and stores it. Its contact
// is a member of an active campaign (outbound, half the time, when there
// is one), else a random existing contact, else none: contact_id is null
// and phone_number is a random +1555 number.
func (w *world) addCall(end time.Time) *call {
	id, seq := w.newID("call")
	c := &call{ID: id, Seq: seq, AgentID: agentIDs[w.rng.IntN(len(agentIDs))]}
	c.Direction = weighted(w.rng, directions, []int{30, 60, 10})
	c.Status = weighted(w.rng, callStatuses, []int{55, 15, 15, 5, 10})
	switch c.Status {
	case "completed":
		c.Duration = 30 + w.rng.IntN(570)
	case "transferred":
		c.Duration = 60 + w.rng.IntN(840)
	case "voicemail":
		c.Duration = 15 + w.rng.IntN(45)
	}
	c.End = end.UTC().Truncate(time.Second)
	c.Start = c.End.Add(-time.Duration(c.Duration) * time.Second)
	if c.Status != "failed" {
		cost := math.Round(float64(c.Duration)/60*0.12*100) / 100
		c.Cost = &cost
	}
	w.assignParty(c)
	w.fillLate(c)
	w.Calls = insertSorted(w.Calls, c, cmpCall)
	w.callByID[c.ID] = c
	if ct, ok := w.contactByID[c.ContactID]; ok {
		ct.CallsCount++
		if c.Start.After(ct.LastCalledAt) {
			ct.LastCalledAt = c.Start
		}
	}
	return c
}

func (w *world) assignParty(c *call) {
	if c.Direction == "outbound" && w.rng.IntN(2) == 0 {
		var active []*campaign
		for _, cp := range w.Campaigns {
			if cp.Status == "active" && len(cp.Members) > 0 {
				active = append(active, cp)
			}
		}
		if len(active) > 0 {
			cp := active[w.rng.IntN(len(active))]
			c.CampaignID = cp.ID
			c.ContactID = cp.Members[w.rng.IntN(len(cp.Members))]
		}
	}
	if c.ContactID == "" && len(w.Contacts) > 0 {
		c.ContactID = w.Contacts[w.rng.IntN(len(w.Contacts))].ID
	}
	if ct, ok := w.contactByID[c.ContactID]; ok {
		c.PhoneNumber = ct.Phone
		return
	}
	c.PhoneNumber = fmt.Sprintf("+1555%07d", w.rng.IntN(10_000_000))
}

var (
	summaries = map[string]string{
		"completed":   "Caller asked about availability; the agent booked a follow-up.",
		"transferred": "Caller asked for a person; the agent transferred the call.",
		"voicemail":   "Reached voicemail; the agent left a message.",
		"no_answer":   "No answer.",
		"failed":      "The call could not be connected.",
	}
	agentLines  = []string{"Hi, this is Alex calling from the clinic.", "Would Tuesday at ten work for you?", "Great, I have booked that for you.", "Let me transfer you to a colleague."}
	callerLines = []string{"Hello, who is this?", "Yes, I was hoping to reschedule.", "Tuesday works.", "Thanks, bye."}
)

// fillLate generates the late fields. Only answered calls get a sentiment
// and a transcript; voicemails get a recording; every call gets a summary.
func (w *world) fillLate(c *call) {
	c.Summary = summaries[c.Status]
	switch c.Status {
	case "completed", "transferred":
		c.Sentiment = weighted(w.rng, sentiments, []int{40, 35, 20, 5})
		turns := 2 + w.rng.IntN(5)
		for i := range turns {
			t := turn{Speaker: "agent", Text: agentLines[w.rng.IntN(len(agentLines))], Timestamp: i * c.Duration / turns}
			if i%2 == 1 {
				t.Speaker, t.Text = "caller", callerLines[w.rng.IntN(len(callerLines))]
			}
			c.Transcript = append(c.Transcript, t)
		}
		c.RecordingURL = "https://recordings.sim.invalid/" + c.ID + ".mp3"
	case "voicemail":
		c.Transcript = []turn{{Speaker: "agent", Text: agentLines[0], Timestamp: 0}}
		c.RecordingURL = "https://recordings.sim.invalid/" + c.ID + ".mp3"
	}
}
