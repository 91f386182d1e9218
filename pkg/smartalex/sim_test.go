package smartalex_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/sim"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

const simKey = "sk_test_INTEGRATION_c0ffee"

var start = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// env is a simulator behind httptest and a client for it, both on one
// virtual clock, with the client's log captured for the redaction check.
type env struct {
	t      *testing.T
	srv    *sim.Server
	http   *httptest.Server
	clk    *clock.Fake
	client *smartalex.Client
	logs   *bytes.Buffer
	errs   []error
}

func newEnv(t *testing.T, opts sim.Options, copts ...smartalex.Option) *env {
	t.Helper()
	e := &env{t: t, clk: clock.NewFake(start), logs: &bytes.Buffer{}}
	if opts.Keys == nil {
		opts.Keys = []sim.Key{{Key: simKey}, {Key: "sk_test_readonly", ReadOnly: true}}
	}
	opts.Clock = e.clk
	srv, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.http = httptest.NewServer(srv)
	t.Cleanup(e.http.Close)
	e.client = e.newClient(simKey, copts...)
	t.Cleanup(e.checkRedaction)
	return e
}

func (e *env) newClient(key string, copts ...smartalex.Option) *smartalex.Client {
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	all := append([]smartalex.Option{smartalex.WithClock(e.clk), smartalex.WithLogger(logger), smartalex.WithJitter(func() float64 { return 0.5 })}, copts...)
	c, err := smartalex.NewClient(e.http.URL+"/v1", key, all...)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// note keeps an error for the redaction check and returns it.
func (e *env) note(err error) error {
	if err != nil {
		e.errs = append(e.errs, err)
	}
	return err
}

// checkRedaction greps every log line and every error for the key.
func (e *env) checkRedaction() {
	if strings.Contains(e.logs.String(), simKey) {
		e.t.Errorf("the API key appears in the client log")
	}
	for _, err := range e.errs {
		if strings.Contains(err.Error(), simKey) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), simKey) {
			e.t.Errorf("the API key appears in an error: %v", err)
		}
	}
}

func TestContactsAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "real_estate"})
	ctx := context.Background()
	c := e.client
	created, err := c.CreateContact(ctx, smartalex.ContactInput{Phone: "+14155550123", FirstName: "Ada", LastName: "Lovelace", Tags: []string{"vip"}, Metadata: map[string]string{"crm_id": "1001"}})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.Phone != "+14155550123" || created.Metadata["crm_id"] != "1001" || created.CreatedAt.IsZero() {
		t.Fatalf("created = %+v", created)
	}
	got, err := c.GetContact(ctx, created.ID)
	if err != nil || !reflect.DeepEqual(got, created) {
		t.Fatalf("GetContact = %+v, %v; want %+v", got, err, created)
	}
	updated, err := c.UpdateContact(ctx, created.ID, smartalex.ContactPatch{Email: smartalex.Ptr("ada@example.com"), Tags: &[]string{"vip", "crm"}})
	if err != nil || updated.Email != "ada@example.com" || len(updated.Tags) != 2 || updated.FirstName != "Ada" {
		t.Fatalf("UpdateContact = %+v, %v", updated, err)
	}
	dnc, err := c.UpdateContact(ctx, created.ID, smartalex.ContactPatch{Status: smartalex.Ptr("dnc")})
	if err != nil || dnc.Status != "dnc" {
		t.Fatalf("mark dnc = %+v, %v", dnc, err)
	}
	found, err := c.FindContactsByPhone(ctx, "+14155550123")
	if err != nil || len(found) != 1 || found[0].ID != created.ID {
		t.Fatalf("FindContactsByPhone = %+v, %v", found, err)
	}
	if err := c.DeleteContact(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetContact(ctx, created.ID)
	if !smartalex.IsNotFound(e.note(err)) {
		t.Fatalf("GetContact after delete = %v, want 404", err)
	}
}

func TestPaginationAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "real_estate"})
	ctx := context.Background()
	const n = 250
	for i := range n {
		if _, err := e.client.CreateContact(ctx, smartalex.ContactInput{Phone: fmt.Sprintf("+1415555%04d", i), FirstName: fmt.Sprint("P", i)}); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Second) // distinct created_at
	}
	before := e.srv.Stats().Requests["GET /v1/contacts 200"]
	var phones []string
	for ct, err := range e.client.Contacts(ctx, smartalex.ContactListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		phones = append(phones, ct.Phone)
	}
	if len(phones) != n || phones[0] != fmt.Sprintf("+1415555%04d", n-1) {
		t.Fatalf("listed %d contacts starting %v, want %d newest first", len(phones), phones[:1], n)
	}
	if pages := e.srv.Stats().Requests["GET /v1/contacts 200"] - before; pages != 3 {
		t.Fatalf("listing %d contacts took %d requests, want 3 pages of 100", n, pages)
	}
	page, res, err := e.client.ListContacts(ctx, smartalex.ContactListOptions{ListOptions: smartalex.ListOptions{Page: 1, PerPage: 500}})
	if err != nil || len(page) != 100 || res.Meta.PerPage != 100 || res.Meta.Total != n {
		t.Fatalf("per_page 500 gave %d items, meta %+v, %v; want clamped to 100", len(page), res.Meta, err)
	}
}

func TestPaginationWhileRecordsArrive(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "real_estate"})
	ctx := context.Background()
	for i := range 150 {
		if _, err := e.client.CreateContact(ctx, smartalex.ContactInput{Phone: fmt.Sprintf("+1415555%04d", i), FirstName: "A"}); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Second)
	}
	seen := map[string]int{}
	i := 0
	for ct, err := range e.client.Contacts(ctx, smartalex.ContactListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[ct.ID]++
		if i++; i == 50 { // ten new contacts arrive between page 1 and page 2
			for j := range 10 {
				e.clk.Advance(time.Second)
				if _, err := e.client.CreateContact(ctx, smartalex.ContactInput{Phone: fmt.Sprintf("+1415666%04d", j), FirstName: "B"}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("contact %s yielded %d times", id, n)
		}
	}
	if len(seen) < 150 {
		t.Fatalf("yielded %d contacts, want all 150 that existed before paging", len(seen))
	}
}

func TestCallsBothShapesAgainstSimulator(t *testing.T) {
	var lists [2][]smartalex.Call
	for i, shape := range []string{"new", "old"} {
		e := newEnv(t, sim.Options{Plan: "real_estate", Seed: 7, Calls: 40, LateAfter: time.Minute, Shapes: shape})
		ctx := context.Background()
		e.clk.Advance(2 * time.Minute) // late fields of every seeded call are in
		for cl, err := range e.client.Calls(ctx, smartalex.CallListOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			cl.PhoneNumber = "" // older shape only
			lists[i] = append(lists[i], cl)
		}
		if len(lists[i]) != 40 {
			t.Fatalf("%s shape: %d calls, want 40", shape, len(lists[i]))
		}
		detail, err := e.client.GetCall(ctx, lists[i][0].ID)
		if err != nil || detail.ID != lists[i][0].ID || detail.StartTimestamp.IsZero() || detail.Status == "" {
			t.Fatalf("%s shape: GetCall = %+v, %v", shape, detail, err)
		}
	}
	if !reflect.DeepEqual(lists[0], lists[1]) {
		t.Fatalf("the two shapes decode differently:\nnew %+v\nold %+v", lists[0][0], lists[1][0])
	}
}

func TestCallFiltersAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "real_estate", Seed: 3, Calls: 60})
	ctx := context.Background()
	count := func(o smartalex.CallListOptions) int {
		t.Helper()
		n := 0
		for cl, err := range e.client.Calls(ctx, o) {
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != "" && cl.Status != o.Status {
				t.Fatalf("status filter %q returned a %q call", o.Status, cl.Status)
			}
			if !o.FromDate.IsZero() && cl.StartTimestamp.Before(o.FromDate) {
				t.Fatalf("from_date filter returned a call from %v", cl.StartTimestamp)
			}
			n++
		}
		return n
	}
	all := count(smartalex.CallListOptions{})
	recent := count(smartalex.CallListOptions{SinceHours: 24})
	fromDay := count(smartalex.CallListOptions{FromDate: start.Add(-24 * time.Hour)})
	completed := count(smartalex.CallListOptions{Status: "completed"})
	if all != 60 || recent == 0 || recent >= all || recent != fromDay || completed == 0 || completed >= all {
		t.Fatalf("all %d, last 24h %d, from_date %d, completed %d", all, recent, fromDay, completed)
	}
}

func TestCampaignsAndWebhooksAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "real_estate"})
	ctx := context.Background()
	c := e.client
	var ids []string
	for i := range 130 {
		ct, err := c.CreateContact(ctx, smartalex.ContactInput{Phone: fmt.Sprintf("+1415555%04d", i), FirstName: "A"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ct.ID)
	}
	camp, err := c.CreateCampaign(ctx, smartalex.CampaignInput{Name: "Recall", AgentID: "agent_1"})
	if err != nil || camp.Status != "draft" {
		t.Fatalf("CreateCampaign = %+v, %v", camp, err)
	}
	res, err := c.AddCampaignContacts(ctx, camp.ID, append(ids, ids[:5]...))
	if err != nil || res.Added != 130 || res.Skipped != 5 {
		t.Fatalf("AddCampaignContacts = %+v, %v; want 130 added, 5 skipped over two requests", res, err)
	}
	for _, step := range []struct {
		do   func(context.Context, string) (*smartalex.Campaign, error)
		want string
	}{{c.StartCampaign, "active"}, {c.PauseCampaign, "paused"}, {c.ResumeCampaign, "active"}} {
		got, err := step.do(ctx, camp.ID)
		if err != nil || got.Status != step.want {
			t.Fatalf("campaign action = %+v, %v; want %s", got, err, step.want)
		}
	}
	_, err = c.PauseCampaign(ctx, "campaign_nope")
	if !smartalex.IsNotFound(e.note(err)) {
		t.Fatalf("action on an unknown campaign = %v, want 404", err)
	}
	var listed []string
	for cp, err := range c.Campaigns(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, cp.ID)
	}
	if len(listed) != 1 || listed[0] != camp.ID {
		t.Fatalf("Campaigns = %v", listed)
	}
	page, res2, err := c.ListCampaigns(ctx, smartalex.ListOptions{Page: 1, PerPage: 500})
	if err != nil || len(page) != 1 || res2.Meta == nil || res2.Meta.Total != 1 || res2.Meta.PerPage != 100 {
		t.Fatalf("ListCampaigns = %+v, %+v, %v; want one campaign, per_page clamped to 100", page, res2, err)
	}
	got, err := c.GetCampaign(ctx, camp.ID)
	if err != nil || got.ID != camp.ID || got.Name != "Recall" || got.AgentID != "agent_1" || got.Status != "active" {
		t.Fatalf("GetCampaign = %+v, %v", got, err)
	}
	if _, err := c.GetCampaign(ctx, "campaign_nope"); !smartalex.IsNotFound(e.note(err)) {
		t.Fatalf("GetCampaign of an unknown id = %v, want 404", err)
	}
	wh, err := c.CreateWebhook(ctx, smartalex.WebhookInput{URL: "https://hooks.example/sa", EventTypes: []string{"call.completed"}})
	if err != nil || wh.SigningSecret == "" {
		t.Fatalf("CreateWebhook = %+v, %v; want a signing secret", wh, err)
	}
	hooks, err := c.ListWebhooks(ctx)
	if err != nil || len(hooks) != 1 || hooks[0].SigningSecret != "" {
		t.Fatalf("ListWebhooks = %+v, %v; want one hook without its secret", hooks, err)
	}
	if err := c.DeleteWebhook(ctx, wh.ID); err != nil {
		t.Fatal(err)
	}
}

func TestErrorAnswersAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "professional", ContactCap: 1})
	ctx := context.Background()
	if _, err := e.client.CreateContact(ctx, smartalex.ContactInput{Phone: "+14155550100", FirstName: "A"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		key        string
		call       func(*smartalex.Client) error
		wantStatus int
		wantClass  smartalex.Class
	}{
		{"unknown key", "sk_test_wrong", func(c *smartalex.Client) error {
			_, _, err := c.ListContacts(ctx, smartalex.ContactListOptions{})
			return err
		}, 401, smartalex.ClassFatal},
		{"invalid phone", simKey, func(c *smartalex.Client) error {
			_, err := c.CreateContact(ctx, smartalex.ContactInput{Phone: "555-0100", FirstName: "A"})
			return err
		}, 400, smartalex.ClassPermanent},
		{"missing first name", simKey, func(c *smartalex.Client) error {
			_, err := c.CreateContact(ctx, smartalex.ContactInput{Phone: "+14155550101"})
			return err
		}, 400, smartalex.ClassPermanent},
		{"contact cap", simKey, func(c *smartalex.Client) error {
			_, err := c.CreateContact(ctx, smartalex.ContactInput{Phone: "+14155550102", FirstName: "B"})
			return err
		}, 403, smartalex.ClassFatal},
		{"read-only key", "sk_test_readonly", func(c *smartalex.Client) error { return c.DeleteContact(ctx, "contact_x") }, 403, smartalex.ClassFatal},
		{"unknown id", simKey, func(c *smartalex.Client) error { _, err := c.GetCall(ctx, "call_nope"); return err }, 404, smartalex.ClassPermanent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := e.note(tc.call(e.newClient(tc.key)))
			var ae *smartalex.APIError
			if !errors.As(err, &ae) || ae.Status != tc.wantStatus || ae.Message == "" || ae.RequestID == "" {
				t.Fatalf("err = %#v, want an APIError %d with a message and a request id", err, tc.wantStatus)
			}
			if got := smartalex.Classify(err); got != tc.wantClass {
				t.Fatalf("Classify = %v, want %v", got, tc.wantClass)
			}
		})
	}
}

func TestRateLimitsAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "professional", PerMinute: 3})
	ctx := context.Background()
	for range 7 {
		if _, _, err := e.client.ListContacts(ctx, smartalex.ContactListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if st := e.srv.Stats(); st.RateLimited != 0 || st.TotalRequests != 7 {
		t.Fatalf("sim saw %d requests, %d answered 429; want 7 and none: the client waits for the reset it was told", st.TotalRequests, st.RateLimited)
	}
	if len(e.clk.Slept()) != 2 {
		t.Fatalf("client waited %v, want two waits for the minute window", e.clk.Slept())
	}

	// A competing client on the same key spends the window behind our back:
	// our client's next request gets a 429 and honours its Retry-After.
	rival := e.newClient(simKey)
	e.clk.Advance(2 * time.Minute)
	for range 3 {
		if _, _, err := rival.ListContacts(ctx, smartalex.ContactListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	slept := len(e.clk.Slept())
	if _, _, err := e.client.ListContacts(ctx, smartalex.ContactListOptions{}); err != nil {
		t.Fatal(err)
	}
	waits := e.clk.Slept()[slept:]
	if e.srv.Stats().RateLimited != 1 || len(waits) != 1 || waits[0] < time.Second || waits[0] > time.Minute {
		t.Fatalf("429s %d, waits %v; want one 429 and one Retry-After wait", e.srv.Stats().RateLimited, waits)
	}
	if st := e.client.Stats(); st.RateLimited != 1 || st.Retries != 1 || st.ByStatus["429"] != 1 {
		t.Fatalf("client stats = %+v", st)
	}
}

func TestDayQuotaAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "professional", PerDay: 2})
	ctx := context.Background()
	for range 2 {
		if _, _, err := e.client.ListContacts(ctx, smartalex.ContactListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := e.client.ListContacts(ctx, smartalex.ContactListOptions{})
	var qe *smartalex.QuotaError
	if !errors.As(e.note(err), &qe) || qe.Scope != "day" {
		t.Fatalf("third request = %v, want a day QuotaError", err)
	}
	if e.srv.Stats().TotalRequests != 2 {
		t.Fatalf("sim saw %d requests; the client must not send into a spent day", e.srv.Stats().TotalRequests)
	}
}

func TestAmbiguousCreateAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "real_estate", Seed: 11, AmbiguousRate: 1})
	ctx := context.Background()
	for i := range 6 { // both kinds of ambiguous fault: 500 and a dropped connection
		phone := fmt.Sprintf("+1415555%04d", i)
		_, err := e.client.CreateContact(ctx, smartalex.ContactInput{Phone: phone, FirstName: "A"})
		if !smartalex.IsAmbiguous(e.note(err)) || smartalex.Classify(err) != smartalex.ClassAmbiguous {
			t.Fatalf("create %d = %v, want an ambiguous error", i, err)
		}
		found, err := e.client.FindContactsByPhone(ctx, phone)
		if err != nil || len(found) != 1 {
			t.Fatalf("reconcile %d: found %d, %v; the create was applied, once", i, len(found), err)
		}
	}
	st := e.srv.Stats()
	if posts := st.Faults[sim.FaultAmbiguous500] + st.Faults[sim.FaultAmbiguousDrop]; posts != 6 || st.Contacts != 6 {
		t.Fatalf("sim saw %d ambiguous creates and holds %d contacts; want 6 and 6 (never retried)", posts, st.Contacts)
	}
	if st.Faults[sim.FaultAmbiguous500] == 0 || st.Faults[sim.FaultAmbiguousDrop] == 0 {
		t.Fatalf("faults %v: want both kinds exercised", st.Faults)
	}
}

func TestTransientFaultsAgainstSimulator(t *testing.T) {
	e := newEnv(t, sim.Options{Plan: "real_estate", Seed: 5, FailRate: 0.3, ResetRate: 0.1})
	ctx := context.Background()
	for i := range 40 {
		if _, _, err := e.client.ListContacts(ctx, smartalex.ContactListOptions{}); err != nil {
			t.Fatalf("read %d: %v (retries should absorb 30%% failures)", i, err)
		}
	}
	// Go's transport itself resends an idempotent request whose reused
	// connection was dropped, so resets may not reach the client's count.
	if st, faults := e.client.Stats(), e.srv.Stats().Faults; st.Retries == 0 || st.ByStatus["500"] == 0 || faults[sim.FaultReset] == 0 {
		t.Fatalf("client stats %+v, sim faults %v: want retries after 500s, and dropped connections absorbed", st, faults)
	}
}
