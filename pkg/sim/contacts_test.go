package sim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestContactValidation(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.createContact(`{"first_name":"Ada","phone":"+14155550100"}`)
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"valid create", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+442071838750","email":"bo@example.com","tags":["a"],"metadata":{"k":"v"}}`, 201},
		{"first_name missing", "POST", "/v1/contacts", `{"phone":"+14155550101"}`, 400},
		{"first_name blank", "POST", "/v1/contacts", `{"first_name":"  ","phone":"+14155550101"}`, 400},
		{"phone missing", "POST", "/v1/contacts", `{"first_name":"Bo"}`, 400},
		{"phone not E.164", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"415-555-0101"}`, 400},
		{"phone leading zero", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+04155550101"}`, 400},
		{"phone too long", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+1234567890123456"}`, 400},
		{"bad email", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+14155550101","email":"bo@"}`, 400},
		{"unknown field", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+14155550101","nickname":"b"}`, 400},
		{"read-only field", "POST", "/v1/contacts", `{"id":"x","first_name":"Bo","phone":"+14155550101"}`, 400},
		{"malformed JSON", "POST", "/v1/contacts", `{"first_name":"Bo",`, 400},
		{"trailing data", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+14155550101"} {}`, 400},
		{"empty body", "POST", "/v1/contacts", ``, 400},
		{"tags not strings", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+14155550101","tags":[1]}`, 400},
		{"metadata not flat", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+14155550101","metadata":{"a":{"b":"c"}}}`, 400},
		{"bad status", "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+14155550101","status":"gone"}`, 400},
		{"patch bad phone", "PATCH", "/v1/contacts/" + id, `{"phone":"555"}`, 400},
		{"patch blank first_name", "PATCH", "/v1/contacts/" + id, `{"first_name":""}`, 400},
		{"patch unknown field", "PATCH", "/v1/contacts/" + id, `{"shoe_size":"9"}`, 400},
		{"bad page", "GET", "/v1/contacts?page=0", ``, 400},
		{"non-numeric page", "GET", "/v1/contacts?page=two", ``, 400},
		{"bad per_page", "GET", "/v1/contacts?per_page=-1", ``, 400},
		{"bad status filter", "GET", "/v1/contacts?status=gone", ``, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.body)
			mustStatus(t, r, tc.want)
			if tc.want == 400 && r.errCode(t) != "invalid_request" {
				t.Fatalf("code %q, want invalid_request", r.errCode(t))
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Fatal("no X-Request-Id")
			}
		})
	}
}

func TestStatusCodes(t *testing.T) {
	e := newEnv(t, Options{ContactCap: 2})
	id := e.createContact(`{"first_name":"Ada","phone":"+14155550100"}`)
	tests := []struct {
		name, key, method, path, body string
		want                          int
		code                          string
	}{
		{"missing key", "", "GET", "/v1/contacts", "", 401, "unauthorized"},
		{"unknown key", "sk_nope", "GET", "/v1/contacts", "", 401, "unauthorized"},
		{"unknown key on unknown path", "sk_nope", "GET", "/v1/nothing", "", 401, "unauthorized"},
		{"read-only key reads", roKey, "GET", "/v1/contacts", "", 200, ""},
		{"read-only key posts", roKey, "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+14155550101"}`, 403, "forbidden"},
		{"read-only key deletes", roKey, "DELETE", "/v1/contacts/" + id, "", 403, "forbidden"},
		{"read-only key patches", roKey, "PATCH", "/v1/contacts/" + id, `{"last_name":"X"}`, 403, "forbidden"},
		{"unknown contact", testKey, "GET", "/v1/contacts/contact_nope", "", 404, "not_found"},
		{"unknown call", testKey, "GET", "/v1/calls/call_nope", "", 404, "not_found"},
		{"unknown path", testKey, "GET", "/v1/agents", "", 404, "not_found"},
		{"write to calls", testKey, "POST", "/v1/calls", `{}`, 405, "method_not_allowed"},
		{"delete a call", testKey, "DELETE", "/v1/calls/x", "", 405, "method_not_allowed"},
		{"delete the list", testKey, "DELETE", "/v1/contacts", "", 405, "method_not_allowed"},
		{"create", testKey, "POST", "/v1/contacts", `{"first_name":"Bo","phone":"+14155550101"}`, 201, ""},
		{"over the cap", testKey, "POST", "/v1/contacts", `{"first_name":"Cy","phone":"+14155550102"}`, 403, "forbidden"},
		{"delete", testKey, "DELETE", "/v1/contacts/" + id, "", 204, ""},
		{"delete again", testKey, "DELETE", "/v1/contacts/" + id, "", 404, "not_found"},
		{"under the cap again", testKey, "POST", "/v1/contacts", `{"first_name":"Cy","phone":"+14155550102"}`, 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.doKey(tc.key, tc.method, tc.path, tc.body)
			mustStatus(t, r, tc.want)
			if tc.code != "" && r.errCode(t) != tc.code {
				t.Fatalf("code %q, want %q", r.errCode(t), tc.code)
			}
			if tc.want == 204 && len(r.body) != 0 {
				t.Fatalf("204 with a body %q", r.body)
			}
			if tc.want == 405 && r.header.Get("Allow") == "" {
				t.Fatal("405 without Allow")
			}
			if tc.want != 204 && r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
			}
			if tc.name == "over the cap" && !strings.Contains(string(r.body), "cap") {
				t.Fatalf("cap message does not name the cap: %s", r.body)
			}
		})
	}
}

func TestContactsNewestFirstAndPaging(t *testing.T) {
	e := newEnv(t, Options{})
	var created []string
	for i := range 45 {
		created = append(created, e.createContact(fmt.Sprintf(`{"first_name":"C%d","phone":"+1415555%04d"}`, i, i)))
		if i%10 == 0 {
			e.clk.Advance(time.Second) // some share a created_at: ties by creation order
		}
	}
	slices.Reverse(created)
	var got []string
	for page := 1; page <= 3; page++ {
		items, meta := e.do("GET", fmt.Sprintf("/v1/contacts?page=%d", page), "").list(t)
		if meta["total"].(float64) != 45 || meta["per_page"].(float64) != 20 || meta["page"].(float64) != float64(page) {
			t.Fatalf("page %d meta %v", page, meta)
		}
		got = append(got, ids(items)...)
	}
	if !slices.Equal(got, created) {
		t.Fatalf("pages are not newest first:\n got %v\nwant %v", got, created)
	}
	items, meta := e.do("GET", "/v1/contacts?per_page=500", "").list(t)
	if len(items) != 45 || meta["per_page"].(float64) != 100 {
		t.Fatalf("per_page=500: %d items, meta %v; want 45 and per_page clamped to 100", len(items), meta)
	}
	items, _ = e.do("GET", "/v1/contacts?page=9", "").list(t)
	if len(items) != 0 {
		t.Fatalf("page past the end has %d items", len(items))
	}
}

func TestContactUpdate(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.createContact(`{"first_name":"Ada","last_name":"L","phone":"+14155550100","email":"ada@example.com","tags":["a","b"],"metadata":{"x":"1"}}`)
	tests := []struct {
		name, method, body string
		check              func(c map[string]any) bool
	}{
		{"patch replaces only sent fields", "PATCH", `{"last_name":"Lovelace"}`, func(c map[string]any) bool {
			return c["last_name"] == "Lovelace" && c["first_name"] == "Ada" && c["email"] == "ada@example.com"
		}},
		{"tags replaced whole", "PATCH", `{"tags":["c"]}`, func(c map[string]any) bool {
			return fmt.Sprint(c["tags"]) == "[c]"
		}},
		{"put is a partial update too", "PUT", `{"company":"Analytical"}`, func(c map[string]any) bool {
			return c["company"] == "Analytical" && c["last_name"] == "Lovelace" && fmt.Sprint(c["tags"]) == "[c]"
		}},
		{"set dnc", "PATCH", `{"status":"dnc"}`, func(c map[string]any) bool { return c["status"] == "dnc" }},
		{"back to active", "PATCH", `{"status":"active"}`, func(c map[string]any) bool { return c["status"] == "active" }},
		{"clear email", "PATCH", `{"email":""}`, func(c map[string]any) bool { return c["email"] == nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.clk.Advance(time.Minute)
			r := e.do(tc.method, "/v1/contacts/"+id, tc.body)
			mustStatus(t, r, 200)
			c := r.data(t)
			if !tc.check(c) {
				t.Fatalf("unexpected contact %v", c)
			}
			if c["updated_at"] != timestamp(e.clk.Now()) || c["created_at"] != timestamp(t0) {
				t.Fatalf("timestamps created %v updated %v", c["created_at"], c["updated_at"])
			}
			if got := e.do("GET", "/v1/contacts/"+id, "").data(t); fmt.Sprint(got) != fmt.Sprint(c) {
				t.Fatalf("GET after %s differs:\n%v\n%v", tc.method, got, c)
			}
		})
	}
}

func TestContactFilters(t *testing.T) {
	e := newEnv(t, Options{})
	ada := e.createContact(`{"first_name":"Ada","last_name":"Lovelace","phone":"+14155550100","email":"ada@engines.org"}`)
	bob := e.createContact(`{"first_name":"Bob","phone":"+14155550101","email":"bob@example.com","status":"dnc"}`)
	cyd := e.createContact(`{"first_name":"Cyd","phone":"+14155550102"}`)
	tests := []struct {
		name, query string
		want        []string
	}{
		{"status active", "status=active", []string{cyd, ada}},
		{"status dnc", "status=dnc", []string{bob}},
		{"exact phone", "search=%2B14155550101", []string{bob}},
		{"partial phone is no match", "search=555010", nil},
		{"name substring, any case", "search=LOVE", []string{ada}},
		{"full name", "search=ada%20love", []string{ada}},
		{"email substring", "search=example.com", []string{bob}},
		{"search and status", "search=e&status=active", []string{ada}},
		{"unknown campaign", "campaign_id=campaign_nope", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, meta := e.do("GET", "/v1/contacts?"+tc.query, "").list(t)
			if got := ids(items); !slices.Equal(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if int(meta["total"].(float64)) != len(tc.want) {
				t.Fatalf("total %v, want %d", meta["total"], len(tc.want))
			}
		})
	}
}

func TestDuplicates(t *testing.T) {
	tests := []struct {
		mode       string
		wantSecond int
		wantPatch  int
		wantDups   int
	}{
		{"allow", http.StatusCreated, http.StatusOK, 1},
		{"reject", http.StatusBadRequest, http.StatusBadRequest, 0},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			e := newEnv(t, Options{Duplicates: tc.mode})
			e.createContact(`{"first_name":"Ada","phone":"+14155550100"}`)
			mustStatus(t, e.do("POST", "/v1/contacts", `{"first_name":"Ada2","phone":"+14155550100"}`), tc.wantSecond)
			other := e.createContact(`{"first_name":"Bob","phone":"+14155550101"}`)
			mustStatus(t, e.do("PATCH", "/v1/contacts/"+other, `{"phone":"+14155550100"}`), tc.wantPatch)
			mustStatus(t, e.do("PATCH", "/v1/contacts/"+other, `{"phone":"+14155550101","first_name":"Bobby"}`), 200)
			if got := e.srv.Stats().DuplicatePhones; got != tc.wantDups {
				t.Fatalf("duplicate phones %d, want %d", got, tc.wantDups)
			}
		})
	}
}
