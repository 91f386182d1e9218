package sim

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

// faultRun sends n requests alternating GET and POST without keep-alives
// (so the transport never retries a dropped request on its own) and
// returns the client-side outcomes by kind.
func faultRun(t *testing.T, e *env, n int) map[string]int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	out := map[string]int{}
	for i := range n {
		method, body := "GET", ""
		if i%2 == 1 {
			method, body = "POST", fmt.Sprintf(`{"first_name":"F%d","phone":"+1415%07d"}`, i, i)
		}
		req, _ := http.NewRequest(method, e.ts.URL+"/v1/contacts", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := client.Do(req)
		if err != nil {
			out[method+" dropped"]++
			continue
		}
		resp.Body.Close()
		out[fmt.Sprintf("%s %d", method, resp.StatusCode)]++
	}
	return out
}

func TestFaultInjection(t *testing.T) {
	opts := Options{Seed: 42, FailRate: 0.1, AmbiguousRate: 0.1, ResetRate: 0.05, PerMinute: 100_000, PerDay: 100_000, ContactCap: 100_000}
	const n = 2000
	e := newEnv(t, opts)
	got := faultRun(t, e, n)
	st := e.srv.Stats()
	writes := float64(n / 2)
	tests := []struct {
		name  string
		count int
		want  float64 // expected count
	}{
		{"reset", st.Faults[FaultReset], n * 0.05},
		{"fail", st.Faults[FaultFail], n * 0.1 * 0.95},
		{"ambiguous", st.Faults[FaultAmbiguous500] + st.Faults[FaultAmbiguousDrop], writes * 0.95 * 0.9 * 0.1},
	}
	for _, tc := range tests {
		t.Run(tc.name+" rate", func(t *testing.T) {
			if math.Abs(float64(tc.count)-tc.want) > 0.3*tc.want {
				t.Fatalf("%d %s faults, want %.0f ± 30%%", tc.count, tc.name, tc.want)
			}
		})
	}
	t.Run("client saw what the stats say", func(t *testing.T) {
		if drops := got["GET dropped"] + got["POST dropped"]; drops != st.Faults[FaultReset]+st.Faults[FaultAmbiguousDrop] {
			t.Fatalf("client saw %d drops, stats %v", drops, st.Faults)
		}
		if errs := got["GET 500"] + got["POST 500"]; errs != st.Faults[FaultFail]+st.Faults[FaultAmbiguous500] {
			t.Fatalf("client saw %d 500s, stats %v", errs, st.Faults)
		}
		if st.Faults[FaultAmbiguous500] == 0 || st.Faults[FaultAmbiguousDrop] == 0 {
			t.Fatalf("ambiguous faults not split between 500 and drop: %v", st.Faults)
		}
	})
	t.Run("ambiguous writes were applied", func(t *testing.T) {
		want := got["POST 201"] + st.Faults[FaultAmbiguous500] + st.Faults[FaultAmbiguousDrop]
		if st.Contacts != want {
			t.Fatalf("%d contacts stored, want %d (201s plus ambiguous writes)", st.Contacts, want)
		}
	})
	t.Run("deterministic for a seed", func(t *testing.T) {
		again := newEnv(t, opts)
		faultRun(t, again, n)
		if a, b := fmt.Sprint(st.Faults), fmt.Sprint(again.srv.Stats().Faults); a != b {
			t.Fatalf("same seed, different faults: %s vs %s", a, b)
		}
	})
}

func TestLatency(t *testing.T) {
	e := newEnv(t, Options{Latency: 20 * time.Millisecond})
	for range 50 {
		mustStatus(t, e.do("GET", "/v1/contacts", ""), 200)
	}
	slept := e.clk.Slept()
	if len(slept) != 50 {
		t.Fatalf("%d sleeps, want 50", len(slept))
	}
	lo, hi := slept[0], slept[0]
	for _, d := range slept {
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 10*time.Millisecond || hi > 30*time.Millisecond || lo == hi {
		t.Fatalf("latency range %v..%v, want jitter within 10ms..30ms", lo, hi)
	}
}
