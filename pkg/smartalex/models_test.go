package smartalex

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readResponse(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "responses", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBothCallShapesDecodeAlike(t *testing.T) {
	cost := 0.42
	want := []Call{
		{
			ID: "call_9f2", AgentID: "agent_1", ContactID: "contact_ab12", CampaignID: "camp_7",
			Direction: "outbound", Status: "completed", DurationSeconds: 184, Sentiment: "positive", Cost: &cost,
			StartTimestamp: time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC),
			EndTimestamp:   time.Date(2026, 1, 15, 14, 33, 4, 0, time.UTC),
			Summary:        "Booked a cleaning for Tuesday.", RecordingURL: "https://rec.example/call_9f2.mp3",
			Transcript: []TranscriptLine{{"agent", "Hi, this is Alex from Bright Dental.", 0.4}, {"caller", "Hi!", 2.1}},
		},
		{
			ID: "call_9f1", AgentID: "agent_1", Direction: "inbound", Status: "no_answer",
			StartTimestamp: time.Date(2026, 1, 15, 13, 0, 0, 0, time.UTC),
			EndTimestamp:   time.Date(2026, 1, 15, 13, 0, 30, 0, time.UTC),
		},
	}
	for _, file := range []string{"calls_new.json", "calls_old.json"} {
		t.Run(file, func(t *testing.T) {
			var got []Call
			meta, err := decodeData(readResponse(t, file), &got)
			if err != nil {
				t.Fatal(err)
			}
			if file == "calls_old.json" {
				want[0].PhoneNumber = "+15551234567"
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoded\n%+v\nwant\n%+v", got, want)
			}
			if meta == nil || meta.Total != 2 || meta.PerPage != 100 {
				t.Fatalf("meta = %+v", meta)
			}
		})
	}
}

func TestCallEncodesNewNames(t *testing.T) {
	b, err := json.Marshal(Call{ID: "call_1", Status: "completed", DurationSeconds: 3, StartTimestamp: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"call_1","call_status":"completed","duration_seconds":3,"start_timestamp":"2026-01-15T00:00:00Z"}`
	if string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
	var back Call
	if err := json.Unmarshal(b, &back); err != nil || back.Status != "completed" || back.DurationSeconds != 3 {
		t.Fatalf("round trip = %+v, %v", back, err)
	}
}

func TestOlderContactDecodes(t *testing.T) {
	var c Contact
	if _, err := decodeData(readResponse(t, "contact_old.json"), &c); err != nil {
		t.Fatal(err)
	}
	if c.CallsCount != 3 || c.LastCalledAt.IsZero() || c.Status != "active" || len(c.Tags) != 2 {
		t.Fatalf("older fields lost: %+v", c)
	}
	want := Metadata{"crm_id": "1001", "score": "87", "vip": "true"}
	if !reflect.DeepEqual(c.Metadata, want) {
		t.Fatalf("metadata = %v, want %v (scalars stringified, nulls dropped)", c.Metadata, want)
	}
}

func TestBareWebhookObjectDecodes(t *testing.T) {
	var w Webhook
	if _, err := decodeData(readResponse(t, "webhook_create.json"), &w); err != nil {
		t.Fatal(err)
	}
	if w.ID != "wh_1" || w.SigningSecret != "whsec_abc" || len(w.EventTypes) != 1 {
		t.Fatalf("webhook = %+v", w)
	}
}

func TestDecodeRejectsBadShapes(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"HTML", "<html></html>", "not JSON"},
		{"empty", "", "empty body"},
		{"bad time", `{"data":[{"id":"c","start_timestamp":"yesterday"}]}`, "RFC 3339"},
		{"bad duration", `{"data":[{"id":"c","duration_seconds":"long"}]}`, "want a number"},
		{"object id", `{"data":[{"id":{"x":1}}]}`, "want a string"},
		{"transcript object", `{"data":[{"id":"c","transcript":{"a":1}}]}`, "array of lines"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls []Call
			_, err := decodeData([]byte(tc.body), &calls)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "30", 30 * time.Second},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"huge", "999999999999", maxRetryAfter},
		{"date", epoch.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"past date", epoch.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseRetryAfter(tc.in, epoch); got != tc.want {
				t.Fatalf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzDecodeResponse feeds arbitrary bodies to every decoder the client
// applies to server input. Any input must give a value or an error, never
// a panic, and an error answer must always yield a printable APIError.
func FuzzDecodeResponse(f *testing.F) {
	for _, name := range []string{"calls_new.json", "calls_old.json", "contact_old.json", "webhook_create.json", "error_429.json"} {
		f.Add(readResponse(f, name))
	}
	f.Add([]byte(`{"data":null,"meta":{"total":-1}}`))
	f.Add([]byte("<html>502 Bad Gateway</html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var calls []Call
		_, _ = decodeData(body, &calls)
		var call Call
		_, _ = decodeData(body, &call)
		var contacts []Contact
		_, _ = decodeData(body, &contacts)
		var hooks []Webhook
		_, _ = decodeData(body, &hooks)
		_, _ = decodeData(body, nil)
		e := parseError("GET", "/v1/calls", 502, http.Header{"Retry-After": {string(body)}}, body, epoch)
		if msg := e.Error(); !strings.HasPrefix(msg, "GET /v1/calls: 502") || len(e.Message) > maxErrorExcerpt+3 && e.Code == "" {
			t.Fatalf("bad error %q", msg)
		}
	})
}

func TestRouteOf(t *testing.T) {
	for in, want := range map[string]string{
		"/contacts":             "/contacts",
		"/contacts/c_1":         "/contacts/{id}",
		"/campaigns/x/start":    "/campaigns/{id}/start",
		"/campaigns/x/contacts": "/campaigns/{id}/contacts",
	} {
		if got := routeOf(in); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", in, got, want)
		}
	}
}
