package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestCampaigns(t *testing.T) {
	e := newEnv(t, Options{})
	rc := newReceiver(t)
	e.register(rc, `["campaign.started","campaign.paused","campaign.resumed"]`)
	var contacts []string
	for i := range 3 {
		contacts = append(contacts, e.createContact(fmt.Sprintf(`{"first_name":"C%d","phone":"+1415555%04d"}`, i, i)))
	}
	mustStatus(t, e.do("POST", "/v1/campaigns", `{"name":"Spring"}`), 400)
	r := e.do("POST", "/v1/campaigns", `{"name":"Spring recall","agent_id":"agent_1"}`)
	mustStatus(t, r, 201)
	camp := r.data(t)
	if camp["status"] != "draft" {
		t.Fatalf("new campaign %v", camp)
	}
	id := camp["id"].(string)
	base := "/v1/campaigns/" + id
	many := `["` + strings.Repeat(`c","`, 100) + `c"]`
	tests := []struct {
		name, path, body string
		want             int
		check            string // substring of the body
	}{
		{"add two", base + "/contacts", `{"contact_ids":["` + contacts[0] + `","` + contacts[1] + `"]}`, 200, `"added":2,"skipped":0`},
		{"member twice and unknown are skipped", base + "/contacts", `{"contact_ids":["` + contacts[0] + `","contact_nope","` + contacts[2] + `"]}`, 200, `"added":1,"skipped":2`},
		{"more than 100", base + "/contacts", `{"contact_ids":` + many + `}`, 400, "at most 100"},
		{"empty", base + "/contacts", `{"contact_ids":[]}`, 400, "non-empty"},
		{"unknown campaign", "/v1/campaigns/campaign_nope/contacts", `{"contact_ids":["x"]}`, 404, "not_found"},
		{"pause a draft", base + "/pause", ``, 400, "cannot pause"},
		{"resume a draft", base + "/resume", ``, 400, "cannot resume"},
		{"start", base + "/start", ``, 200, `"status":"active"`},
		{"start twice", base + "/start", ``, 400, "cannot start"},
		{"pause", base + "/pause", ``, 200, `"status":"paused"`},
		{"resume", base + "/resume", ``, 200, `"status":"active"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", tc.path, tc.body)
			mustStatus(t, r, tc.want)
			if !strings.Contains(string(r.body), tc.check) {
				t.Fatalf("body %s does not contain %s", r.body, tc.check)
			}
		})
	}
	t.Run("get and list", func(t *testing.T) {
		if got := e.do("GET", base, "").data(t); got["status"] != "active" || got["agent_id"] != "agent_1" {
			t.Fatalf("campaign %v", got)
		}
		items, _ := e.do("GET", "/v1/campaigns", "").list(t)
		if len(items) != 1 {
			t.Fatalf("list %v", items)
		}
	})
	t.Run("contacts filtered by campaign", func(t *testing.T) {
		items, _ := e.do("GET", "/v1/contacts?campaign_id="+id, "").list(t)
		if len(items) != 3 {
			t.Fatalf("%d members listed, want 3", len(items))
		}
	})
	t.Run("events", func(t *testing.T) {
		if err := e.srv.DeliverPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		var types []string
		for range 3 {
			var m map[string]any
			_ = json.Unmarshal((<-rc.ch).body, &m)
			types = append(types, m["type"].(string))
		}
		if fmt.Sprint(types) != "[campaign.started campaign.paused campaign.resumed]" {
			t.Fatalf("events %v", types)
		}
	})
}
