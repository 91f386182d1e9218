package pipeline

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/sim"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

const testKey = "sk_test_PIPELINE_5ec7e7"

// harness is a simulator behind httptest and a pipeline directory, on one
// virtual clock.
type harness struct {
	t   *testing.T
	dir string
	clk *clock.Fake
	sim *sim.Server
	srv *httptest.Server

	mu     sync.Mutex
	onCall func() // called before the simulator sees each request
	onList func() // called before each GET /v1/calls list request
}

func newHarness(t *testing.T, opts sim.Options) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clk: clock.NewFake(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))}
	opts.Keys = []sim.Key{{Key: testKey}}
	opts.Clock = h.clk
	if opts.Plan == "" {
		opts.Plan = "dental"
	}
	s, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.sim = s
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		hook, list := h.onCall, h.onList
		h.mu.Unlock()
		if hook != nil {
			hook()
		}
		if list != nil && r.Method == http.MethodGet && r.URL.Path == "/v1/calls" {
			list()
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

var testHeader = []string{"Record ID", "First Name", "Last Name", "Email", "Phone"}

// row returns a valid contact row numbered i.
func row(i int) []string {
	return []string{fmt.Sprint(1000 + i), fmt.Sprint("First", i), "Last", fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("(415) 555-%04d", i)}
}

func rows(n int) [][]string {
	var out [][]string
	for i := range n {
		out = append(out, row(i))
	}
	return out
}

func (h *harness) writeCSV(data [][]string) {
	h.t.Helper()
	f, err := os.Create(filepath.Join(h.dir, "contacts.csv"))
	if err != nil {
		h.t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(testHeader)
	_ = w.WriteAll(data)
	if err := f.Close(); err != nil {
		h.t.Fatal(err)
	}
}

// pipeline writes and loads a pipeline over contacts.csv; extra is
// appended YAML (e.g. an api section).
func (h *harness) pipeline(extra string) *config.Pipeline {
	h.t.Helper()
	body := `name: test
source: {type: csv, path: contacts.csv}
mapping:
  key: [Record ID]
  fields: {first_name: First Name, last_name: Last Name, email: Email, phone: Phone}
phone: {default_region: US}
checkpoint: state.db
rejects: rejects.csv
` + extra
	path := filepath.Join(h.dir, "p.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		h.t.Fatal(err)
	}
	p, err := config.LoadPipeline(path)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *harness) run(p *config.Pipeline, mod func(*RunOptions)) *RunSummary {
	h.t.Helper()
	sum, err := h.runErr(context.Background(), p, mod)
	if err != nil {
		h.t.Fatalf("run: %v", err)
	}
	return sum
}

func (h *harness) runErr(ctx context.Context, p *config.Pipeline, mod func(*RunOptions)) (*RunSummary, error) {
	opts := RunOptions{Key: testKey, APIURL: h.srv.URL + "/v1", Clock: h.clk,
		Retry: smartalex.RetryPolicy{MaxAttempts: 4}}
	if mod != nil {
		mod(&opts)
	}
	return Run(ctx, p, opts)
}

// writes counts the write requests the simulator answered.
func (h *harness) writes() int {
	n := 0
	for k, v := range h.sim.Stats().Requests {
		var method string
		fmt.Sscan(k, &method)
		if method != "GET" {
			n += v
		}
	}
	return n
}

// remote returns the simulator's contacts by phone.
func (h *harness) remote() map[string]smartalex.Contact {
	h.t.Helper()
	c, err := smartalex.NewClient(h.srv.URL+"/v1", testKey, smartalex.WithClock(h.clk))
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]smartalex.Contact{}
	for ct, err := range c.Contacts(context.Background(), smartalex.ContactListOptions{}) {
		if err != nil {
			h.t.Fatal(err)
		}
		if _, dup := out[ct.Phone]; dup {
			h.t.Fatalf("duplicate phone %s in the account", ct.Phone)
		}
		out[ct.Phone] = ct
	}
	return out
}

// cancelAtRequest returns a context canceled (as by a first Ctrl-C) when
// the simulator receives its nth request from now on.
func (h *harness) cancelAtRequest(n int32) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	h.t.Cleanup(cancel)
	var seen atomic.Int32
	h.hook(func() {
		if seen.Add(1) == n {
			cancel()
		}
	})
	return ctx
}

// hook sets the function called before each request reaches the simulator.
func (h *harness) hook(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onCall = f
}

func configSpec(column string, transforms ...string) config.FieldSpec {
	s := config.FieldSpec{Columns: []string{column}}
	for _, t := range transforms {
		s.Transforms = append(s.Transforms, config.Transform{Name: t})
	}
	return s
}

// sqliteExec runs one statement on a SQLite file.
func sqliteExec(path, q string) error {
	db, err := gorm.Open(sqlite.Open(path), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return err
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	return db.Exec(q).Error
}

func (h *harness) client() *smartalex.Client {
	h.t.Helper()
	c, err := smartalex.NewClient(h.srv.URL+"/v1", testKey, smartalex.WithClock(h.clk))
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func contactInput(phone, first string) smartalex.ContactInput {
	return smartalex.ContactInput{Phone: phone, FirstName: first}
}

// setListHook sets the function called before each call-list request.
func (h *harness) setListHook(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onList = f
}
