package sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/signature"
)

// receiver is a webhook endpoint that answers the scripted statuses in
// turn (then 200) and records every delivery.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []receivedEvent
	ch       chan receivedEvent
	ts       *httptest.Server
}

type receivedEvent struct {
	header string
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses, ch: make(chan receivedEvent, 100)}
	rc.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ev := receivedEvent{header: r.Header.Get(signature.Header), body: b}
		rc.mu.Lock()
		rc.got = append(rc.got, ev)
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
		if status < 300 {
			rc.ch <- ev
		}
	}))
	t.Cleanup(rc.ts.Close)
	return rc
}

// register subscribes rc to the event types and returns the signing secret.
func (e *env) register(rc *receiver, types string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/webhooks", `{"url":"`+rc.ts.URL+`/hook","event_types":`+types+`}`)
	mustStatus(e.t, r, 201)
	return r.json(e.t)["signing_secret"].(string)
}

func TestWebhookManagement(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.do("POST", "/v1/webhooks", `{"url":"https://example.com/h","event_types":["contact.created"],"description":"crm"}`)
	mustStatus(t, r, 201)
	obj := r.json(t)
	if _, wrapped := obj["data"]; wrapped || obj["signing_secret"] == nil || obj["id"] == nil || obj["description"] != "crm" {
		t.Fatalf("want a bare object with signing_secret, got %s", r.body)
	}
	items, meta := e.do("GET", "/v1/webhooks", "").list(t)
	if len(items) != 1 || meta["total"].(float64) != 1 {
		t.Fatalf("list %v", items)
	}
	if _, ok := items[0]["signing_secret"]; ok {
		t.Fatal("list shows the secret")
	}
	bad := []struct{ name, body string }{
		{"relative url", `{"url":"/hook","event_types":["contact.created"]}`},
		{"ftp url", `{"url":"ftp://example.com/h","event_types":["contact.created"]}`},
		{"no url", `{"event_types":["contact.created"]}`},
		{"no event types", `{"url":"https://example.com/h","event_types":[]}`},
		{"unknown event type", `{"url":"https://example.com/h","event_types":["contact.exploded"]}`},
		{"unknown field", `{"url":"https://example.com/h","event_types":["contact.created"],"secret":"x"}`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			mustStatus(t, e.do("POST", "/v1/webhooks", tc.body), 400)
		})
	}
	id := obj["id"].(string)
	mustStatus(t, e.do("DELETE", "/v1/webhooks/"+id, ""), 204)
	mustStatus(t, e.do("DELETE", "/v1/webhooks/"+id, ""), 404)
}

func TestWebhookDelivery(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []int
		wantAttempts int
		wantOK       bool
	}{
		{"first try", nil, 1, true},
		{"retried after 5xx", []int{500, 503}, 3, true},
		{"gives up after 3 retries", []int{500, 500, 500, 500}, 4, false},
		{"4xx is not retried", []int{410}, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{Minute: time.Second})
			rc := newReceiver(t, tc.statuses...)
			secret := e.register(rc, `["contact.created","contact.dnc"]`)
			e.createContact(`{"first_name":"Ada","phone":"+14155550100"}`)
			if err := e.srv.DeliverPending(context.Background()); err != nil {
				t.Fatal(err)
			}
			st := e.srv.Stats()
			if st.WebhookAttempts != tc.wantAttempts || len(rc.got) != tc.wantAttempts {
				t.Fatalf("attempts %d (receiver saw %d), want %d", st.WebhookAttempts, len(rc.got), tc.wantAttempts)
			}
			if (st.WebhookDelivered == 1) != tc.wantOK || (st.WebhookFailed == 1) == tc.wantOK {
				t.Fatalf("delivered %d failed %d", st.WebhookDelivered, st.WebhookFailed)
			}
			if tc.wantAttempts > 1 && tc.wantOK {
				if slept := e.clk.Slept(); len(slept) != 2 || slept[1] != 2*slept[0] || slept[0] <= 0 {
					t.Fatalf("backoff %v, want two doubling waits", slept)
				}
			}
			last := rc.got[len(rc.got)-1]
			if err := signature.Verify(secret, last.header, last.body, e.clk.Now(), 0); err != nil {
				t.Fatalf("signature: %v", err)
			}
			var ev map[string]any
			if err := json.Unmarshal(last.body, &ev); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"id", "type", "created_at", "tenant_id", "data"} {
				if ev[k] == nil {
					t.Fatalf("event without %s: %s", k, last.body)
				}
			}
			if ev["type"] != "contact.created" || rc.got[0].body == nil || string(rc.got[0].body) != string(last.body) {
				t.Fatalf("retries must resend the same event: %s", last.body)
			}
		})
	}
}

func TestRunDeliversAndGeneratesCalls(t *testing.T) {
	e := newEnv(t, Options{Minute: time.Second, CallRate: 60})
	rc := newReceiver(t)
	e.register(rc, `["call.completed","call.failed"]`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Run(ctx) }()
	e.clk.Advance(2 * time.Second) // no request: Run's ticker must notice
	select {
	case ev := <-rc.ch:
		var m map[string]any
		_ = json.Unmarshal(ev.body, &m)
		if m["type"] != "call.completed" && m["type"] != "call.failed" {
			t.Fatalf("unexpected event %s", ev.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no call event delivered by Run")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
