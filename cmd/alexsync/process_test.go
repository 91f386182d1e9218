package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alexsync/alexsync/pkg/checkpoint/checkpointtest"
	"github.com/alexsync/alexsync/pkg/sim"
)

// TestMain lets the test binary act as the alexsync command, so that the
// tests below can run (and kill) real alexsync processes.
func TestMain(m *testing.M) {
	if os.Getenv("ALEXSYNC_TEST_AS_CLI") == "1" {
		ctx, stop := signalContext(os.Stderr)
		code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// child returns an alexsync process (this test binary) running args.
func child(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ALEXSYNC_TEST_AS_CLI=1")
	return cmd
}

// hookedSim serves a simulator and calls hook before each request.
type hookedSim struct {
	*sim.Server
	url   string
	count atomic.Int64
	mu    sync.Mutex
	hook  func(n int64)
}

func newHookedSim(t *testing.T, opts sim.Options) *hookedSim {
	t.Helper()
	s, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &hookedSim{Server: s}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := h.count.Add(1)
		h.mu.Lock()
		hook := h.hook
		h.mu.Unlock()
		if hook != nil {
			hook(n)
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/v1"
	return h
}

func (h *hookedSim) setHook(f func(int64)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hook = f
}

// TestCrashRecovery kills alexsync with SIGKILL at random requests, twenty
// times, while it pushes 2,000 contacts to a simulator that also makes 2%
// of writes ambiguous; then lets it finish. The account must hold exactly
// the source's contacts: none lost, none duplicated.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const rows, kills = 2000, 20
	e := newCLIEnv(t, rows, "api: {plan: dental, workers: 8, per_minute: 1000000, per_day: 1000000, in_flight_settle: 50ms}\n")
	hs := newHookedSim(t, sim.Options{Plan: "dental", Keys: []sim.Key{{Key: cliKey}}, Seed: 42, AmbiguousRate: 0.02, PerMinute: 1 << 20, PerDay: 1 << 20})
	rng := rand.New(rand.NewPCG(7, 11))
	for k := 0; k < kills; k++ {
		target := hs.count.Load() + 20 + rng.Int64N(130)
		cmd := child(e.dir, "run", "p.yaml", "--api-url", hs.url, "-q")
		var killed atomic.Bool
		var proc atomic.Pointer[os.Process]
		hs.setHook(func(n int64) {
			if p := proc.Load(); n >= target && p != nil && killed.CompareAndSwap(false, true) {
				_ = p.Kill()
			}
		})
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		proc.Store(cmd.Process)
		err := cmd.Wait()
		if !killed.Load() {
			t.Fatalf("kill %d: the run ended (%v) before request %d; the test needs more rows", k, err, target)
		}
	}
	hs.setHook(nil)
	for i := 0; ; i++ {
		var out bytes.Buffer
		cmd := child(e.dir, "run", "p.yaml", "--api-url", hs.url, "--report", "final.json", "-q")
		cmd.Stderr = &out
		err := cmd.Run()
		if err == nil {
			break
		}
		if i == 3 {
			t.Fatalf("no clean run after the kills: %v\n%s", err, out.String())
		}
	}
	st := hs.Stats()
	if st.Contacts != rows || st.DuplicatePhones != 0 {
		t.Fatalf("account holds %d contacts, %d duplicate phones; want exactly %d and 0", st.Contacts, st.DuplicatePhones, rows)
	}
	resp, err := http.Get(strings.TrimSuffix(hs.url, "/v1") + "/_sim/contacts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var contacts []struct {
		Phone string `json:"phone"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&contacts); err != nil {
		t.Fatal(err)
	}
	phones := map[string]bool{}
	for _, c := range contacts {
		phones[c.Phone] = true
	}
	for i := range rows {
		if p := fmt.Sprintf("+1415555%04d", i); !phones[p] {
			t.Fatalf("contact %s lost", p)
		}
	}
	t.Logf("%d kills, %d requests in all for %d contacts (%d ambiguous faults)", kills, st.TotalRequests, rows,
		st.Faults[sim.FaultAmbiguous500]+st.Faults[sim.FaultAmbiguousDrop])
}

// TestTwoProcessesShareOneCheckpoint runs two alexsync processes at once:
// on the same pipeline, the second refuses the run lock; on two pipelines
// sharing one checkpoint and one key, the daily ledger is never
// over-spent and counts exactly what the API saw.
func TestTwoProcessesShareOneCheckpoint(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { twoProcesses(t, "") })
	t.Run("postgres", func(t *testing.T) { twoProcesses(t, checkpointtest.PostgresURL(t, "postgres")) })
}

// twoProcesses races two alexsync processes on one checkpoint: the
// pipeline's SQLite file, or checkpointURL when set (two "hosts").
func twoProcesses(t *testing.T, checkpointURL string) {
	e := newCLIEnv(t, 100, "api: {per_day: 150, per_minute: 100000, in_flight_settle: 50ms}\n")
	if checkpointURL != "" {
		e.write("p.yaml", strings.Replace(readFile(t, e.path("p.yaml")), "checkpoint: state.db", "checkpoint: "+checkpointURL, 1))
	}
	e.write("p2.yaml", strings.Replace(readFile(t, e.path("p.yaml")), "source:", "name: second\nsource:", 1))
	hs := newHookedSim(t, sim.Options{Plan: "dental", Keys: []sim.Key{{Key: cliKey}}})

	// The same pipeline twice: hold the first run at its first request.
	release := make(chan struct{})
	var once sync.Once
	hs.setHook(func(int64) { once.Do(func() { <-release }) })
	first := child(e.dir, "run", "p.yaml", "--api-url", hs.url, "-q")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	for hs.count.Load() == 0 {
		runtimeGosched()
	}
	var stderr bytes.Buffer
	second := child(e.dir, "run", "p.yaml", "--api-url", hs.url, "-q")
	second.Stderr = &stderr
	err := second.Run()
	close(release)
	if code := exitCodeOf(err); code != ExitFatal || !strings.Contains(stderr.String(), "holds the lock") {
		t.Fatalf("second process on the same pipeline: exit %d, %q; want 1 and the lock holder", code, stderr.String())
	}
	_ = first.Wait()
	hs.setHook(nil)

	// Two pipelines, one checkpoint, one key, 150 requests a day between them.
	e.write("contacts.csv", "ID,Name,Phone,Email\n")
	e.write("more.csv", "")
	var b strings.Builder
	b.WriteString("ID,Name,Phone,Email\n")
	for i := 100; i < 300; i++ {
		fmt.Fprintf(&b, "%d,Person %d,(415) 555-%04d,\n", i, i, i)
	}
	e.write("contacts.csv", b.String())
	before := hs.Stats().TotalRequests
	var wg sync.WaitGroup
	for _, p := range []string{"p.yaml", "p2.yaml"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = child(e.dir, "run", p, "--api-url", hs.url, "-q").Run()
		}()
	}
	wg.Wait()
	sent := hs.Stats().TotalRequests
	var rep struct {
		Quota struct {
			UsedToday int `json:"used_today"`
		} `json:"quota"`
	}
	code, out, _ := e.exec("run", e.path("p.yaml"), "--api-url", hs.url, "--report", e.path("r.json"))
	if err := json.Unmarshal([]byte(readFile(t, e.path("r.json"))), &rep); err != nil {
		t.Fatal(err)
	}
	if sent > 150 || rep.Quota.UsedToday != sent || code != ExitQuota {
		t.Fatalf("the API saw %d requests today (%d before the race), the ledger says %d; want at most 150 and equal; last run exit %d\n%s",
			sent, before, rep.Quota.UsedToday, code, out)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exitCodeOf(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func runtimeGosched() { runtime.Gosched() }

// TestInterruptExits130 sends SIGINT to a running alexsync: it stops
// taking work, finishes what is in flight, and exits 130; the next run
// completes without duplicates.
func TestInterruptExits130(t *testing.T) {
	e := newCLIEnv(t, 200, "api: {per_minute: 100000, in_flight_settle: 50ms}\n")
	hs := newHookedSim(t, sim.Options{Plan: "dental", Keys: []sim.Key{{Key: cliKey}}, PerMinute: 1 << 20})
	cmd := child(e.dir, "run", "p.yaml", "--api-url", hs.url, "-q")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	proc := make(chan *os.Process, 1)
	var once sync.Once
	hs.setHook(func(n int64) {
		if n == 20 {
			once.Do(func() { _ = (<-proc).Signal(os.Interrupt) })
		}
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	proc <- cmd.Process
	err := cmd.Wait()
	if code := exitCodeOf(err); code != ExitInterrupted || !strings.Contains(stderr.String(), "stopping") {
		t.Fatalf("exit %d, stderr %q; want 130", code, stderr.String())
	}
	hs.setHook(nil)
	if err := child(e.dir, "run", "p.yaml", "--api-url", hs.url, "-q").Run(); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if st := hs.Stats(); st.Contacts != 200 || st.DuplicatePhones != 0 || st.Requests["POST /v1/contacts 201"] != 200 {
		t.Fatalf("after resume: %d contacts, %d duplicate phones, %d creates", st.Contacts, st.DuplicatePhones, st.Requests["POST /v1/contacts 201"])
	}
}
