package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/sim"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

func TestFirstImportThenNoopThenEdits(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(30))
	p := h.pipeline("")

	first := h.run(p, nil)
	if first.ExitCode != OutcomeOK || first.Counts.Created != 30 || len(h.remote()) != 30 {
		t.Fatalf("first run: exit %d counts %+v remote %d", first.ExitCode, first.Counts, len(h.remote()))
	}
	if first.Requests.Total != 31 || first.Quota.UsedToday != 31 {
		t.Fatalf("first run requests %+v quota %+v: want 30 creates + 1 listing", first.Requests, first.Quota)
	}

	before := h.writes()
	again := h.run(p, nil)
	if again.ExitCode != OutcomeOK || again.Counts.Unchanged != 30 || again.Requests.Total != 0 || h.writes() != before {
		t.Fatalf("no-op re-run: exit %d counts %+v requests %+v", again.ExitCode, again.Counts, again.Requests)
	}

	edited := rows(30)
	edited[3][3] = "new3@example.com"
	edited[7][1] = "Renamed"
	edited[9][2] = "Married"
	h.writeCSV(edited)
	edits := h.run(p, nil)
	if edits.Counts.Updated != 3 || edits.Counts.Unchanged != 27 || edits.Requests.ByStatus["200"] != 3 || h.writes() != before+3 {
		t.Fatalf("edits: counts %+v requests %+v", edits.Counts, edits.Requests)
	}
	got := h.remote()["+14155550007"]
	if got.FirstName != "Renamed" || got.Email != "p7@example.com" {
		t.Fatalf("remote after edit = %+v", got)
	}
	if len(edits.Plan.Samples) != 3 {
		t.Fatalf("plan samples %+v, want the three changed fields", edits.Plan.Samples)
	}
	// Each run leaves the baseline snapshot current, which is what the
	// next run reads its baseline from.
	store, err := checkpoint.OpenSQLite(t.Context(), p.Checkpoint, checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	snap, err := store.BaselineSnapshotInfo(t.Context(), p.Name)
	if err != nil || snap.Entries != 30 || snap.Pending != 0 || snap.WrittenAt.IsZero() {
		t.Fatalf("baseline snapshot after the runs = %+v, %v; want 30 records and an empty change log", snap, err)
	}
}

func TestAdoptionOfExistingContacts(t *testing.T) {
	h := newHarness(t, sim.Options{})
	c, _ := smartalex.NewClient(h.srv.URL+"/v1", testKey, smartalex.WithClock(h.clk))
	for i := range 10 { // the account already holds the first ten, one with an older name
		first := row(i)[1]
		if i == 4 {
			first = "Old Name"
		}
		if _, err := c.CreateContact(context.Background(), smartalex.ContactInput{Phone: "+1415555" + row(i)[4][10:], FirstName: first, LastName: "Last", Email: row(i)[3]}); err != nil {
			t.Fatal(err)
		}
	}
	h.writeCSV(rows(25))
	sum := h.run(h.pipeline(""), nil)
	if sum.Counts.Adopted != 10 || sum.Counts.Created != 15 || len(h.remote()) != 25 {
		t.Fatalf("counts %+v remote %d: want 10 adopted, 15 created, no duplicates", sum.Counts, len(h.remote()))
	}
	if got := h.remote()["+14155550004"].FirstName; got != "First4" {
		t.Fatalf("adopted contact with an old name was not updated: %q", got)
	}
	if patches := h.sim.Stats().Requests["PATCH /v1/contacts/{id} 200"]; patches != 1 {
		t.Fatalf("%d PATCHes, want 1: identical adopted contacts cost nothing", patches)
	}
}

func TestDailyQuotaStopAndResume(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(25))
	p := h.pipeline("api: {per_day: 10}\n")
	first := h.run(p, nil)
	if first.ExitCode != OutcomeQuota || first.Counts.Created != 9 || first.Requests.Total != 10 {
		t.Fatalf("first run: exit %d counts %+v requests %+v; want exit 3 after 10 requests", first.ExitCode, first.Counts, first.Requests)
	}
	sameDay := h.run(p, nil)
	if sameDay.ExitCode != OutcomeQuota || sameDay.Requests.Total != 0 {
		t.Fatalf("same day: exit %d requests %+v; want exit 3 and nothing sent", sameDay.ExitCode, sameDay.Requests)
	}
	for day := 1; day <= 3; day++ {
		h.clk.Advance(24 * time.Hour)
		sum := h.run(p, nil)
		if sum.ExitCode == OutcomeOK {
			break
		}
		if sum.ExitCode != OutcomeQuota {
			t.Fatalf("day %d: exit %d", day, sum.ExitCode)
		}
	}
	if lists := h.sim.Stats().Requests["GET /v1/contacts 200"]; lists != 1 {
		t.Fatalf("the account was listed %d times for adoption, want once: resumed runs must not list it again", lists)
	}
	posts := h.sim.Stats().Requests["POST /v1/contacts 201"]
	if posts != 25 || len(h.remote()) != 25 {
		t.Fatalf("%d creates for 25 rows, %d remote: resumed runs must not resend", posts, len(h.remote()))
	}
}

// TestServerDailyCountCorrectsTheLedger: another client on the key (one
// that does not share this checkpoint) spent part of the day; the
// server's X-RateLimit-Daily-Remaining raises the ledger, so the run stops
// at the real end of the day (exit 3) instead of meeting 429s.
func TestServerDailyCountCorrectsTheLedger(t *testing.T) {
	h := newHarness(t, sim.Options{PerDay: 50})
	other := h.client()
	for i := range 30 {
		if _, err := other.CreateContact(context.Background(), contactInput(fmt.Sprintf("+1212555%04d", i), "Other")); err != nil {
			t.Fatal(err)
		}
	}
	h.writeCSV(rows(40))
	p := h.pipeline("api: {per_day: 50}\n")
	sum := h.run(p, nil)
	if sum.ExitCode != OutcomeQuota || sum.Requests.RateLimited != 0 || sum.Quota.UsedToday != 50 {
		t.Fatalf("exit %d, %d answered 429, ledger %d: want exit 3 with no 429 and the ledger at the server's 50 (stopped %q)",
			sum.ExitCode, sum.Requests.RateLimited, sum.Quota.UsedToday, sum.Stopped)
	}
	if got := h.sim.Stats().TotalRequests; got != 50 {
		t.Fatalf("the server counted %d requests, want the day's 50", got)
	}
}

// TestAdoptionResumesAfterQuotaStop: a first import that adopts contacts
// and stops at the daily quota lists the account once; the runs after it
// carry on with the adoptions it recorded (no guard trips on them, no
// duplicate, every adopted contact corrected).
func TestAdoptionResumesAfterQuotaStop(t *testing.T) {
	h := newHarness(t, sim.Options{})
	c, _ := smartalex.NewClient(h.srv.URL+"/v1", testKey, smartalex.WithClock(h.clk))
	for i := range 20 { // the account holds the first twenty, five with an older name
		first := row(i)[1]
		if i%4 == 1 {
			first = "Old Name"
		}
		if _, err := c.CreateContact(context.Background(), smartalex.ContactInput{Phone: "+1415555" + row(i)[4][10:], FirstName: first, LastName: "Last", Email: row(i)[3]}); err != nil {
			t.Fatal(err)
		}
	}
	h.writeCSV(rows(25))
	p := h.pipeline("api: {per_day: 4}\n")
	adopted, created, runs := 0, 0, 0
	for day := 0; day < 10; day++ {
		sum := h.run(p, nil)
		runs++
		adopted += sum.Counts.Adopted
		created += sum.Counts.Created
		if sum.ExitCode == OutcomeOK {
			break
		}
		if sum.ExitCode != OutcomeQuota {
			t.Fatalf("run %d: exit %d (%s), want 3 until done", runs, sum.ExitCode, sum.Stopped)
		}
		h.clk.Advance(24 * time.Hour)
	}
	st := h.sim.Stats()
	if runs < 3 || st.Requests["GET /v1/contacts 200"] != 1 {
		t.Fatalf("%d runs, %d listings: want several runs and the account listed once", runs, st.Requests["GET /v1/contacts 200"])
	}
	if st.DuplicatePhones != 0 || len(h.remote()) != 25 || adopted != 20 || created != 5 {
		t.Fatalf("%d duplicate phones, %d remote, %d adopted, %d created: want 0, 25, 20, 5", st.DuplicatePhones, len(h.remote()), adopted, created)
	}
	if st.Requests["POST /v1/contacts 201"] != 25 || st.Requests["PATCH /v1/contacts/{id} 200"] != 5 {
		t.Fatalf("requests %v: want 5 creates by alexsync (25 with the seeded ones) and 5 PATCHes", st.Requests)
	}
	for phone, rc := range h.remote() {
		if rc.FirstName == "Old Name" {
			t.Fatalf("adopted contact %s still has its old name", phone)
		}
	}
}

func TestMaxRequests(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(12))
	p := h.pipeline("")
	sum := h.run(p, func(o *RunOptions) { o.MaxRequests = 5 })
	if sum.ExitCode != OutcomeQuota || sum.Requests.Total != 5 || sum.Counts.Failed != 0 ||
		sum.Stopped != "quota: --max-requests 5 reached" {
		t.Fatalf("exit %d requests %+v failed %d stopped %q; want exit 3 after 5", sum.ExitCode, sum.Requests, sum.Counts.Failed, sum.Stopped)
	}
	// The write the budget refused was never sent: pending, not failed.
	store, err := openCheckpoint(context.Background(), p.Checkpoint, h.clk)
	if err != nil {
		t.Fatal(err)
	}
	states, err := store.CountByState(context.Background(), p.Name)
	store.Close()
	if err != nil || states[checkpoint.StateFailed] != 0 || states[checkpoint.StateSynced] != 4 {
		t.Fatalf("checkpoint states %v (%v); want 4 synced and none failed", states, err)
	}
	rest := h.run(p, nil)
	if rest.ExitCode != OutcomeOK || len(h.remote()) != 12 || h.sim.Stats().Requests["POST /v1/contacts 201"] != 12 {
		t.Fatalf("resume: exit %d counts %+v", rest.ExitCode, rest.Counts)
	}
}

func TestAPIRefusalsLandInRejects(t *testing.T) {
	h := newHarness(t, sim.Options{Duplicates: "reject"})
	h.writeCSV(rows(5))
	p := h.pipeline("")
	h.run(p, nil)
	// Someone else creates a contact with the phone of a row added later:
	// this account refuses duplicate phones, so the create is a 400.
	c, _ := smartalex.NewClient(h.srv.URL+"/v1", testKey, smartalex.WithClock(h.clk))
	if _, err := c.CreateContact(context.Background(), smartalex.ContactInput{Phone: "+14155550005", FirstName: "Other"}); err != nil {
		t.Fatal(err)
	}
	h.writeCSV(rows(7))
	sum := h.run(p, nil)
	if sum.ExitCode != OutcomeRowErrors || sum.Counts.Created != 1 || sum.Counts.Refused != 1 || sum.Counts.Rejected != 0 || sum.Outputs.Rejects == "" {
		t.Fatalf("exit %d counts %+v outputs %+v", sum.ExitCode, sum.Counts, sum.Outputs)
	}
	// The refusal is in the summary too, masked, not only in the file.
	if len(sum.Rejects) != 1 || sum.Rejects[0].Code != "api_rejected" || sum.Rejects[0].Line != 7 ||
		strings.Contains(sum.Rejects[0].Message, "+14155550005") || !strings.Contains(sum.Rejects[0].Message, "400") {
		t.Fatalf("first rejects %+v: want the API's refusal of line 7, masked", sum.Rejects)
	}
	b, err := os.ReadFile(filepath.Join(h.dir, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "1005,First5") || !strings.Contains(string(b), "api_rejected") {
		t.Fatalf("rejects file:\n%s", b)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(8))
	sum := h.run(h.pipeline(""), func(o *RunOptions) { o.DryRun = true; o.Key = "" })
	if h.sim.Stats().TotalRequests != 0 || sum.Counts.Create != 8 || !sum.Plan.FirstRun || sum.Plan.Requests != 9 {
		t.Fatalf("dry run: %d requests, counts %+v plan %+v", h.sim.Stats().TotalRequests, sum.Counts, sum.Plan)
	}
}

func TestAmbiguousFaultsConverge(t *testing.T) {
	h := newHarness(t, sim.Options{Seed: 3, AmbiguousRate: 0.3, FailRate: 0.1})
	h.writeCSV(rows(60))
	p := h.pipeline("")
	for i := 0; ; i++ {
		sum := h.run(p, nil)
		if sum.ExitCode == OutcomeOK {
			break
		}
		if i == 8 || (sum.ExitCode != OutcomeRowErrors) {
			t.Fatalf("run %d: exit %d counts %+v", i, sum.ExitCode, sum.Counts)
		}
	}
	if got := len(h.remote()); got != 60 || h.sim.Stats().DuplicatePhones != 0 {
		t.Fatalf("%d remote contacts, %d duplicate phones; want 60 and 0", got, h.sim.Stats().DuplicatePhones)
	}
}

func TestInterruptedRunResumes(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(40))
	p := h.pipeline("")
	sum, err := h.runErr(h.cancelAtRequest(15), p, nil)
	if err != nil || sum.ExitCode != OutcomeInterrupted || sum.Counts.Deferred == 0 {
		t.Fatalf("interrupted run: %v, exit %v counts %+v", err, sum.ExitCode, sum.Counts)
	}
	h.hook(nil)
	rest := h.run(p, nil)
	if rest.ExitCode != OutcomeOK || len(h.remote()) != 40 || h.sim.Stats().Requests["POST /v1/contacts 201"] != 40 {
		t.Fatalf("resume: exit %d counts %+v, %d remote", rest.ExitCode, rest.Counts, len(h.remote()))
	}
}

// TestInterruptEndsWaitsForTheQuota: a first Ctrl-C stops the requests
// still waiting for the rate window at once (they never leave, and their
// records are pending again, not in doubt); the next run sends them
// without lookups.
func TestInterruptEndsWaitsForTheQuota(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(10))
	p := h.pipeline("api: {per_minute: 3, workers: 4}\n")
	ctx := h.cancelAtRequest(3) // the listing, then two creates: the window is full
	// Waits for the window block until their context ends, as on a real
	// clock; only the stop can end them.
	sum, err := h.runErr(ctx, p, func(o *RunOptions) { o.Clock = blockingSleeps{h.clk} })
	posts := h.sim.Stats().Requests["POST /v1/contacts 201"]
	if err != nil || sum.ExitCode != OutcomeInterrupted || posts != 2 || sum.Counts.InDoubt != 0 || sum.Counts.Deferred != 8 {
		t.Fatalf("interrupted run: %v, exit %v, %d creates, counts %+v; want 2 creates, 8 not sent, none in doubt", err, sum.ExitCode, posts, sum.Counts)
	}
	h.hook(nil)
	rest := h.run(p, nil)
	st := h.sim.Stats()
	if rest.ExitCode != OutcomeOK || rest.Counts.Created != 8 || rest.Counts.Reconciled != 0 || st.Requests["POST /v1/contacts 201"] != 10 || st.TotalRequests != 11 {
		t.Fatalf("resume: exit %d counts %+v, %d requests in all; want 8 more creates and no lookup", rest.ExitCode, rest.Counts, st.TotalRequests)
	}
}

// blockingSleeps is a clock whose sleeps of a second or more last until
// their context ends.
type blockingSleeps struct{ *clock.Fake }

func (b blockingSleeps) Sleep(ctx context.Context, d time.Duration) error {
	if d < time.Second {
		return b.Fake.Sleep(ctx, d)
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestGuardStopsBeforeSending(t *testing.T) {
	h := newHarness(t, sim.Options{})
	bad := rows(10)
	for i := range 4 {
		bad[i][4] = "n/a"
	}
	h.writeCSV(bad)
	sum := h.run(h.pipeline(""), nil)
	if sum.ExitCode != OutcomeGuard || h.sim.Stats().TotalRequests != 0 || !strings.Contains(sum.Stopped, "max_reject_ratio") {
		t.Fatalf("exit %d stopped %q requests %d", sum.ExitCode, sum.Stopped, h.sim.Stats().TotalRequests)
	}
}

func TestRunLockRefusesSecondRun(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(3))
	p := h.pipeline("")
	store, err := openCheckpoint(context.Background(), p.Checkpoint, h.clk)
	if err != nil {
		t.Fatal(err)
	}
	_, release, err := holdLock(context.Background(), store, p.Name, RunOptions{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.runErr(context.Background(), p, nil)
	if err == nil || !strings.Contains(err.Error(), "holds the lock") {
		t.Fatalf("second run = %v, want the lock refused", err)
	}
	release()
	store.Close()
	if sum := h.run(p, nil); sum.Counts.Created != 3 {
		t.Fatalf("after release: %+v", sum.Counts)
	}
}

// lockLostHandler closes lost when the run logs that its lock is gone.
type lockLostHandler struct {
	slog.Handler
	once *sync.Once
	lost chan struct{}
}

func (h lockLostHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "run lock lost" {
		h.once.Do(func() { close(h.lost) })
	}
	return h.Handler.Handle(ctx, r)
}

func TestRunStopsWhenItsLockIsTakenOver(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(30))
	p := h.pipeline("")
	lost := make(chan struct{})
	logs := lockLostHandler{Handler: slog.NewTextHandler(io.Discard, nil), once: &sync.Once{}, lost: lost}
	var stolen atomic.Bool
	h.hook(func() {
		if stolen.Swap(true) {
			return
		}
		// Another host takes the pipeline over: its lock row replaces ours.
		if err := sqliteExec(p.Checkpoint, `UPDATE locks SET owner = 'other-host:1:1'`); err != nil {
			t.Error(err)
		}
		select {
		case <-lost:
		case <-time.After(30 * time.Second):
			t.Error("the run never noticed that its lock was taken over")
		}
	})
	sum, err := h.runErr(context.Background(), p, func(o *RunOptions) {
		o.LockTTL = 40 * time.Millisecond
		o.Logger = slog.New(logs)
	})
	if !errors.Is(err, checkpoint.ErrLockLost) || sum == nil {
		t.Fatalf("run = %v: want it stopped for the lost lock", err)
	}
	if sum.ExitCode != OutcomeFatal || !strings.Contains(sum.Stopped, "lock") || sum.Counts.Created >= 30 {
		t.Fatalf("exit %d stopped %q counts %+v: want a fatal stop before the end", sum.ExitCode, sum.Stopped, sum.Counts)
	}
}

func TestSettingsChangeResendsAndSaysSo(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(10))
	h.run(h.pipeline(""), nil)
	// Same rows, new mapping: last names now upper-cased.
	p := h.pipeline("")
	p.Mapping.Inline.Fields.Specs["last_name"] = configSpec("Last Name", "upper")
	if guarded := h.run(p, nil); guarded.ExitCode != OutcomeGuard || !strings.Contains(guarded.Stopped, "max_change_ratio") {
		t.Fatalf("re-sending every contact must trip the change guard: exit %d %q", guarded.ExitCode, guarded.Stopped)
	}
	sum := h.run(p, func(o *RunOptions) { o.Yes = true })
	if !sum.Plan.SettingsChanged || sum.Plan.Resend != 10 || sum.Counts.Updated != 10 {
		t.Fatalf("plan %+v counts %+v: want the mapping change seen and 10 re-sends", sum.Plan, sum.Counts)
	}
	again := h.run(p, nil)
	if again.Plan.SettingsChanged || again.Requests.Total != 0 || again.Counts.Unchanged != 10 {
		t.Fatalf("after the re-send: plan %+v requests %+v", again.Plan, again.Requests)
	}
}

func TestIncrementalSQLSourceNeverDeletes(t *testing.T) {
	h := newHarness(t, sim.Options{})
	db := filepath.Join(h.dir, "crm.db")
	exec := func(q string) {
		t.Helper()
		if err := sqliteExec(db, q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE contacts (id TEXT, name TEXT, phone TEXT, updated INTEGER)`)
	for i := range 6 {
		exec(fmt.Sprintf(`INSERT INTO contacts VALUES ('%d', 'P%d', '(415) 555-%04d', %d)`, i, i, i, i+1))
	}
	body := fmt.Sprintf(`name: sql
source:
  type: sql
  driver: sqlite
  dsn: %s
  query: SELECT id, name, phone, updated FROM contacts WHERE COALESCE(updated > @cursor, TRUE) ORDER BY updated
  cursor_column: updated
mapping: {key: id, fields: {first_name: name, phone: phone}}
phone: {default_region: US}
checkpoint: state.db
deletes: {mode: delete}
`, db)
	path := filepath.Join(h.dir, "sql.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := config.LoadPipeline(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum := h.run(p, nil); sum.Counts.Created != 6 {
		t.Fatalf("first run %+v", sum.Counts)
	}
	exec(`UPDATE contacts SET name = 'Changed', updated = 100 WHERE id = '2'`)
	sum := h.run(p, nil)
	if sum.Counts.Read != 1 || sum.Counts.Updated != 1 || sum.Counts.Delete != 0 || sum.ExitCode != OutcomeOK || len(h.remote()) != 6 {
		t.Fatalf("incremental run: exit %d counts %+v, %d remote", sum.ExitCode, sum.Counts, len(h.remote()))
	}
	if sum := h.run(p, nil); sum.Counts.Read != 0 || sum.ExitCode != OutcomeOK || sum.Requests.Total != 0 {
		t.Fatalf("nothing changed: exit %d counts %+v", sum.ExitCode, sum.Counts)
	}
	// A write that fails holds the cursor back: the next run reads its
	// row again (and the other rows since, unchanged) and sends it.
	exec(`UPDATE contacts SET name = 'Again', updated = 200 WHERE id = '3'`)
	exec(`UPDATE contacts SET name = 'Other', updated = 201 WHERE id = '4'`)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			b, _ := io.ReadAll(r.Body)
			if strings.Contains(string(b), "Again") {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			r.Body = io.NopCloser(strings.NewReader(string(b)))
		}
		h.srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer failing.Close()
	sum, _ = h.runErr(context.Background(), p, func(o *RunOptions) { o.APIURL = failing.URL + "/v1" })
	if sum.ExitCode != OutcomeRowErrors || sum.Counts.Failed != 1 || sum.Counts.Updated != 1 || !strings.Contains(strings.Join(sum.Warnings, "\n"), "cursor was not moved") {
		t.Fatalf("failing run: exit %d counts %+v warnings %q", sum.ExitCode, sum.Counts, sum.Warnings)
	}
	sum = h.run(p, nil)
	if sum.ExitCode != OutcomeOK || sum.Counts.Read != 2 || sum.Counts.Updated != 1 || h.remote()["+14155550003"].FirstName != "Again" {
		t.Fatalf("after the failure: exit %d counts %+v", sum.ExitCode, sum.Counts)
	}
}

func TestStatusShowsTheLastKeysQuotaWithoutTheKey(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(5))
	p := h.pipeline("")
	before, err := Status(context.Background(), p, StatusOptions{Clock: h.clk})
	if err != nil || before.Quota != nil || len(before.Runs) != 0 {
		t.Fatalf("before any run: quota %+v, %v; want none", before, err)
	}
	if _, err := os.Stat(p.Checkpoint); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("status before any run created the checkpoint: %v", err)
	}
	sum := h.run(p, nil)
	rep, err := Status(context.Background(), p, StatusOptions{Clock: h.clk})
	if err != nil || rep.Quota == nil || rep.Quota.UsedDay != sum.Requests.Total || rep.Quota.UsedDay == 0 || rep.SizeBytes == 0 {
		t.Fatalf("status %+v, %v: want today's %d requests without being given the key", rep, err, sum.Requests.Total)
	}
}

// TestAdoptAlways: with adopt: always, a contact that appeared in the
// account after the first run (created by hand, or by another tool) is
// adopted by the run whose source gains its phone, not duplicated; with
// the default, only the first run lists the account.
func TestAdoptAlways(t *testing.T) {
	tests := []struct {
		name      string
		extra     string
		wantAdopt int
		wantLists int // account listings over the three runs
	}{
		{"first_run (default) lists once", "", 0, 1},
		{"always lists before each run that creates", "adopt: always\n", 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{})
			h.writeCSV(rows(5))
			p := h.pipeline(tc.extra)
			h.run(p, nil)
			// Someone adds row 6's phone to the account by hand.
			if _, err := h.client().CreateContact(context.Background(), contactInput("+1415555"+row(5)[4][10:], "ByHand")); err != nil {
				t.Fatal(err)
			}
			h.writeCSV(rows(7))
			sum := h.run(p, nil)
			if sum.Counts.Adopted != tc.wantAdopt || sum.Counts.Created != 2-tc.wantAdopt {
				t.Fatalf("counts %+v: want %d adopted", sum.Counts, tc.wantAdopt)
			}
			if again := h.run(p, nil); again.Requests.Total != 0 {
				t.Fatalf("a run with nothing to create sent %d requests", again.Requests.Total)
			}
			st := h.sim.Stats()
			if st.Requests["GET /v1/contacts 200"] != tc.wantLists || st.DuplicatePhones != 1-tc.wantAdopt {
				t.Fatalf("%d listings, %d duplicate phones; want %d listings, %d duplicates",
					st.Requests["GET /v1/contacts 200"], st.DuplicatePhones, tc.wantLists, 1-tc.wantAdopt)
			}
		})
	}
}

// TestAdoptionSkipsContactsThePipelineHolds: the account holds two
// contacts with one phone, the newer (listed first) this pipeline's own,
// whose row is moving to another phone; a new row with that phone adopts
// the other one instead of creating a third.
func TestAdoptionSkipsContactsThePipelineHolds(t *testing.T) {
	h := newHarness(t, sim.Options{})
	phone0 := "+1415555" + row(0)[4][10:]
	byHand, err := h.client().CreateContact(context.Background(), contactInput(phone0, "ByHand"))
	if err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(time.Second)
	src := rows(5)
	src[0][4] = row(9)[4]
	h.writeCSV(src)
	p := h.pipeline("adopt: always\n")
	if sum := h.run(p, nil); sum.Counts.Created != 5 {
		t.Fatalf("first run counts %+v", sum.Counts)
	}
	h.writeCSV(rows(5)) // row 0's contact takes the phone of the one made by hand
	if sum := h.run(p, nil); sum.Counts.Updated != 1 {
		t.Fatalf("second run counts %+v", sum.Counts)
	}
	src = rows(6)
	src[0][4] = row(8)[4] // row 0 moves on
	src[5][4] = row(0)[4] // a new row takes the phone
	h.writeCSV(src)
	sum := h.run(p, nil)
	if sum.ExitCode != OutcomeOK || sum.Counts.Adopted != 1 || sum.Counts.Created != 0 || sum.Counts.Updated != 1 {
		t.Fatalf("exit %d counts %+v: want row 0 updated and the new row adopting the contact made by hand", sum.ExitCode, sum.Counts)
	}
	remote := h.remote()
	if len(remote) != 6 || remote[phone0].ID != byHand.ID || remote[phone0].FirstName != "First5" {
		t.Fatalf("%d remote, %s holds %+v: want 6, the one made by hand renamed First5", len(remote), phone0, remote[phone0])
	}
}

// TestRecreateAfterACrashIsLookedUp: a contact deleted in the account is
// created again when its update meets a 404. A run killed once that
// create landed must leave the next run looking it up by phone, not
// patching the gone contact, meeting the 404 again and creating a second.
func TestRecreateAfterACrashIsLookedUp(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(3))
	p := h.pipeline("api: {in_flight_settle: 1s}\n")
	h.run(p, nil)
	phone0 := "+1415555" + row(0)[4][10:]
	c := h.client()
	if err := c.DeleteContact(context.Background(), h.remote()[phone0].ID); err != nil {
		t.Fatal(err)
	}
	src := rows(3)
	src[0][1] = "Renamed"
	h.writeCSV(src)
	// What the killed run did: the PATCH met a 404, the create was marked
	// (as push marks every create: no remote id) and reached the server.
	store, err := openCheckpoint(context.Background(), p.Checkpoint, h.clk)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.MarkInFlight(context.Background(), checkpoint.Record{Pipeline: p.Name, Key: row(0)[0], Phone: phone0, Line: 2}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	landed, err := c.CreateContact(context.Background(), smartalex.ContactInput{Phone: phone0, FirstName: "Renamed", LastName: "Last", Email: row(0)[3]})
	if err != nil {
		t.Fatal(err)
	}
	sum := h.run(p, nil)
	remote := h.remote()
	if sum.ExitCode != OutcomeOK || sum.Counts.Reconciled != 1 || sum.Counts.Created != 0 || len(remote) != 3 || remote[phone0].ID != landed.ID {
		t.Fatalf("exit %d counts %+v, %d remote: want the landed create reconciled, no second contact", sum.ExitCode, sum.Counts, len(remote))
	}
}

// TestReconcileWaitsForWritesUnderway: a create that a killed run left in
// flight may still be underway at the server; the next run waits until it
// is api.in_flight_settle old before looking it up, and not when it is
// older already.
func TestReconcileWaitsForWritesUnderway(t *testing.T) {
	tests := []struct {
		name     string
		age      time.Duration // of the last stamp when the run starts
		sentLate time.Duration // between the mark and the request's stamp
		wantWait time.Duration
		inDoubt  bool // the stopped run learned the outcome is unknown
	}{
		{"a fresh mark", time.Second, 0, 29 * time.Second, false},
		{"an old mark", time.Minute, 0, 0, false},
		{"an old mark whose request left late", time.Second, 2 * time.Minute, 29 * time.Second, false},
		{"a fresh unknown outcome", time.Second, 0, 29 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sim.Options{})
			h.writeCSV(rows(3))
			p := h.pipeline("api: {in_flight_settle: 30s}\n")
			h.run(p, nil)
			h.writeCSV(rows(4))
			store, err := openCheckpoint(context.Background(), p.Checkpoint, h.clk)
			if err != nil {
				t.Fatal(err)
			}
			// The killed run marked row 4 in flight; the server may apply it.
			rec := checkpoint.Record{Pipeline: p.Name, Key: row(3)[0], Phone: "+1415555" + row(3)[4][10:], Line: 5}
			if err := store.MarkInFlight(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			h.clk.Advance(tc.sentLate)
			if err := store.Sending(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			if tc.inDoubt {
				if err := store.InDoubt(context.Background(), rec, checkpoint.Attempt{Action: checkpoint.ActionCreate, Outcome: "in_doubt"}); err != nil {
					t.Fatal(err)
				}
			}
			store.Close()
			h.clk.Advance(tc.age)
			before := len(h.clk.Slept())
			sum := h.run(p, nil)
			var waited time.Duration
			for _, d := range h.clk.Slept()[before:] {
				if d >= time.Second {
					waited += d
				}
			}
			if waited != tc.wantWait || sum.ExitCode != OutcomeOK || sum.Counts.Created != 1 {
				t.Fatalf("waited %s, exit %d counts %+v; want a %s wait, then the contact created once", waited, sum.ExitCode, sum.Counts, tc.wantWait)
			}
		})
	}
}

func TestLedgerTakesTheServerCountOnlyWhenItIsToday(t *testing.T) {
	midnight := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	nine := midnight.Add(9 * time.Hour)
	tests := []struct {
		name     string
		spentAt  time.Time // when this run spent spent requests
		spent    int
		at       time.Time // when the server's count arrives
		counted  int       // the server's count of the day, from its headers
		wantUsed int       // the ledger's count of at's day
	}{
		{"mid-day: raised to the server's count", nine, 0, nine, 40, 40},
		{"seconds after midnight: may be yesterday's, ignored", midnight, 0, midnight.Add(10 * time.Second), 40, 0},
		{"lower than the ledger: left alone", nine, 30, nine, 10, 30},
		{"a new day: yesterday's spending does not hide today's count", midnight.Add(-time.Hour), 30, nine, 20, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(tc.spentAt)
			store, err := openCheckpoint(context.Background(), filepath.Join(t.TempDir(), "state.db"), clk)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			b := &ledgerBudget{ctx: context.Background(), store: store, keyHash: keyHash("k"), limit: 100, day: 24 * time.Hour, clock: clk, settle: time.Minute}
			for range tc.spent {
				if err := b.Acquire(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			clk.Advance(tc.at.Sub(tc.spentAt))
			b.ObserveRate(smartalex.Rate{DailyKnown: true, DailyLimit: 100, DailyRemaining: 100 - tc.counted})
			if used := b.used(context.Background()); used != tc.wantUsed {
				t.Fatalf("ledger %d, want %d", used, tc.wantUsed)
			}
		})
	}
}

// TestStoppedIsMasked: the reason a run stopped may quote the API's
// words, phone and email included; the report masks them like the log.
func TestStoppedIsMasked(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.writeCSV(rows(2))
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":"unauthorized","message":"key revoked while writing +14155550000 for ada@example.com","status":401}}`)
			return
		}
		h.srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer api.Close()
	sum, _ := h.runErr(context.Background(), h.pipeline(""), func(o *RunOptions) { o.APIURL = api.URL + "/v1" })
	if sum == nil || sum.ExitCode != OutcomeFatal || !strings.Contains(sum.Stopped, "key revoked") ||
		strings.Contains(sum.Stopped, "4155550000") || strings.Contains(sum.Stopped, "ada@example.com") {
		t.Fatalf("summary %+v: want a fatal stop with the phone and email masked", sum)
	}
}
