package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/sim"
)

// The test binary doubles as the two processes that the pull benchmark
// and the crash tests need apart from the test itself: with
// ALEXSYNC_PIPELINE_CHILD=sim it serves a simulator, with =pull it runs
// one pipeline and reports on stdout. A child is this same binary, so it
// runs exactly the code under test, and its memory is its own.
const (
	childEnv      = "ALEXSYNC_PIPELINE_CHILD"
	childCalls    = "ALEXSYNC_CHILD_CALLS"     // sim: calls to seed
	childPipeline = "ALEXSYNC_CHILD_PIPELINE"  // pull: the pipeline file
	childAPI      = "ALEXSYNC_CHILD_API"       // pull: the API base URL
	childKillAt   = "ALEXSYNC_CHILD_KILL_AT"   // pull: "message:n", SIGKILL itself at the n-th log record with that message
	childWorkers  = "ALEXSYNC_CHILD_WORKERS"   // pull: RunOptions.Workers
	childLogLevel = "ALEXSYNC_CHILD_LOG_DEBUG" // pull: non-empty logs at debug level to stderr
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "sim":
		os.Exit(simChild())
	case "pull":
		os.Exit(pullChild())
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want sim or pull\n", childEnv, os.Getenv(childEnv))
		os.Exit(2)
	}
}

// simChild serves a simulator without quotas holding the calls it was
// asked for, prints its URL, and serves until stdin closes.
func simChild() int {
	n, _ := strconv.Atoi(os.Getenv(childCalls))
	s, err := sim.New(sim.Options{Plan: "real_estate", Keys: []sim.Key{{Key: testKey}}, PerMinute: 1 << 30, PerDay: 1 << 30, LateAfter: time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for added := 0; added < n; added += 50_000 {
		rec := httptest.NewRecorder()
		body := fmt.Sprintf(`{"count":%d}`, min(50_000, n-added))
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/_sim/calls", strings.NewReader(body)))
		if rec.Code != http.StatusCreated {
			fmt.Fprintf(os.Stderr, "seeding calls: %d %s\n", rec.Code, rec.Body.String())
			return 1
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // the parent closing stdin (or dying) ends the child
		os.Exit(0)
	}()
	fmt.Printf("listening http://%s\n", ln.Addr())
	_ = http.Serve(ln, s)
	return 0
}

// childReport is what a pull child prints: the run's outcome and its own
// memory.
type childReport struct {
	Exit       int     `json:"exit"`
	Err        string  `json:"err,omitempty"`
	Written    int     `json:"written"`
	Listed     int     `json:"listed"`
	Seconds    float64 `json:"seconds"`      // pipeline.Run alone
	PeakHeapMB float64 `json:"peak_heap_mb"` // HeapAlloc, sampled every 2ms: live data plus garbage not yet collected
	PeakLiveMB float64 `json:"peak_live_mb"` // the heap marked live by a GC, the largest seen
	PeakRSSMB  float64 `json:"peak_rss_mb"`  // VmHWM: the process's peak resident set, Go runtime and C (SQLite) included
	AllocMB    float64 `json:"alloc_mb"`     // bytes allocated during the run
	BaseHeapMB float64 `json:"base_heap_mb"` // HeapAlloc before the run, after a GC
	StartRSSMB float64 `json:"start_rss_mb"` // resident set before the run
}

// pullChild runs the pipeline of childPipeline against childAPI and prints
// a childReport as JSON.
func pullChild() int {
	p, err := config.LoadPipeline(os.Getenv(childPipeline))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	opts := RunOptions{Key: testKey, APIURL: os.Getenv(childAPI)}
	opts.Workers, _ = strconv.Atoi(os.Getenv(childWorkers))
	level := slog.LevelWarn
	if os.Getenv(childLogLevel) != "" {
		level = slog.LevelDebug
	}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	if at := os.Getenv(childKillAt); at != "" {
		msg, n, _ := strings.Cut(at, ":")
		count, _ := strconv.Atoi(n)
		h = &killHandler{Handler: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}), msg: msg, at: int64(count)}
	}
	opts.Logger = slog.New(h)

	var rep childReport
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rep.BaseHeapMB, rep.StartRSSMB = mb(ms.HeapAlloc), procStatusMB("VmRSS")
	before := ms.TotalAlloc
	stop := samplePeaks()
	start := time.Now()
	sum, err := Run(context.Background(), p, opts)
	rep.Seconds = time.Since(start).Seconds()
	rep.PeakHeapMB, rep.PeakLiveMB = stop()
	runtime.ReadMemStats(&ms)
	rep.AllocMB = mb(ms.TotalAlloc - before)
	rep.PeakRSSMB = procStatusMB("VmHWM")
	if err != nil {
		rep.Err = err.Error()
	}
	if sum != nil {
		rep.Exit = int(sum.ExitCode)
		if sum.Pull != nil {
			rep.Written, rep.Listed = sum.Pull.Written, sum.Pull.Listed
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return 1
	}
	return 0
}

// killHandler logs, and kills the process (SIGKILL: no deferred
// function, no flush) at the at-th record whose message is msg: a crash
// at an exact point of the run.
type killHandler struct {
	slog.Handler
	msg string
	at  int64
	n   atomic.Int64
}

func (h *killHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Message == h.msg && h.n.Add(1) == h.at {
		p, _ := os.FindProcess(os.Getpid())
		_ = p.Kill()
		select {} // never returns: the kill is on its way
	}
	return err
}

func (h *killHandler) Enabled(context.Context, slog.Level) bool { return true }

// samplePeaks samples the Go heap every 2ms until stop, which returns the
// peak HeapAlloc and the peak live heap, in MiB.
func samplePeaks() (stop func() (heap, live float64)) {
	done := make(chan struct{})
	out := make(chan [2]uint64)
	go func() {
		samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var ms runtime.MemStats
		var peak [2]uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			metrics.Read(samples)
			peak[0] = max(peak[0], ms.HeapAlloc)
			if samples[0].Value.Kind() == metrics.KindUint64 {
				peak[1] = max(peak[1], samples[0].Value.Uint64())
			}
			select {
			case <-done:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		p := <-out
		return mb(p[0]), mb(p[1])
	}
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// startSimChild starts a simulator child holding n calls and returns its
// base URL (with /v1); it is stopped when tb ends.
func startSimChild(tb testing.TB, n int) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=sim", childCalls+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		tb.Fatalf("simulator child: %q %v", line, err)
	}
	return url + "/v1"
}

// runPullChild runs the pipeline file in a child process against api.
// extraEnv adds settings (childKillAt, childWorkers). killed reports a
// child that died of a signal, as childKillAt makes it.
func runPullChild(tb testing.TB, pipelineFile, api string, extraEnv ...string) (rep childReport, killed bool) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=pull", childPipeline+"="+pipelineFile, childAPI+"="+api)
	cmd.Env = append(cmd.Env, extraEnv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if cmd.ProcessState != nil && !cmd.ProcessState.Exited() {
		return rep, true
	}
	if err != nil {
		tb.Fatalf("pull child: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		tb.Fatalf("pull child printed %q: %v\n%s", out, err, stderr.String())
	}
	return rep, false
}
