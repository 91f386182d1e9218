// Package checkpointtest is the conformance suite every checkpoint.Store
// implementation passes: SQLite and PostgreSQL.
package checkpointtest

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/clock"
)

// Opener opens a Store with opts (the suite sets Clock, PageSize and the
// batching options; the opener adds what its database needs). Each call
// returns a new Store. Calls with the same t must open the same checkpoint,
// as a restarted process or a second process would; calls with different
// t may share one, because the suite isolates subtests by pipeline name and
// key hash. The opener closes its stores in t.Cleanup, ignoring ErrClosed.
type Opener func(t *testing.T, opts checkpoint.Options) checkpoint.Store

// Epoch is where the suite's fake clocks start.
var Epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// PageSize is the page size the suite asks for, small so that streaming
// tests cross many pages.
const PageSize = 7

// env is one subtest's view: its fake clock, options and opener.
type env struct {
	t     *testing.T
	clk   *clock.Fake
	opts  checkpoint.Options
	open  Opener
	names atomic.Int64
}

func newEnv(t *testing.T, open Opener) *env {
	clk := clock.NewFake(Epoch)
	return &env{t: t, clk: clk, open: open, opts: checkpoint.Options{
		Clock: clk, PageSize: PageSize, BatchWait: 5 * time.Millisecond, BatchSize: 256,
	}}
}

// store opens a Store on this subtest's checkpoint.
func (e *env) store() checkpoint.Store {
	e.t.Helper()
	s := e.open(e.t, e.opts)
	if s == nil {
		e.t.Fatal("opener returned a nil Store")
	}
	return s
}

// name returns a pipeline name (or key hash) unique to this subtest, so
// that subtests may share a database.
func (e *env) name(kind string) string {
	n := e.names.Add(1)
	base := strings.NewReplacer("/", "_", " ", "_").Replace(e.t.Name())
	return fmt.Sprintf("%s-%s-%d-%d", base, kind, time.Now().UnixNano(), n)
}

// Run runs every conformance test against the stores open makes.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*env)
	}{
		{"RecordsRoundTrip", testRoundTrip},
		{"JournalStateTransitions", testTransitions},
		{"RecordsStreamInKeyOrderAcrossPages", testStreamPaging},
		{"KeysOrderByteWise", testKeyByteOrder},
		{"LongNamesAndKeys", testLongNames},
		{"BaselineStreamsDiffFieldsInKeyOrder", testBaseline},
		{"BaselineSnapshotEqualsRecordsAfterAnyWrite", testBaselineSnapshot},
		{"ContactsOfManyKeys", testContacts},
		{"ByStateStreamsWhileStatesChange", testByState},
		{"CountByState", testCountByState},
		{"InvalidArgumentsRefused", testInvalid},
		{"GroupCommitOfConcurrentMarks", testGroupCommit},
		{"AsyncConfirmVisibleAfterFlush", testAsyncFlush},
		{"CrashKeepsReturnedMarks", testCrash},
		{"CloseFlushesAndRefusesLaterCalls", testClose},
		{"CancelledContext", testCancelled},
		{"RunsDirtyFlag", testRuns},
		{"QuotaSpendRefundLimit", testQuota},
		{"QuotaConcurrentSpendersNeverOverspend", testQuotaConcurrent},
		{"QuotaSharedByTwoStores", testQuotaTwoStores},
		{"CursorsAndMeta", testCursorsMeta},
		{"LockLease", testLock},
		{"AttemptsCappedAt20", testAttemptsCap},
		{"Location", testLocation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(newEnv(t, open)) })
	}
}

// collect drains a stream, failing the test on error.
func collect(t *testing.T, seq func(func(checkpoint.Record, error) bool)) []checkpoint.Record {
	t.Helper()
	var out []checkpoint.Record
	for r, err := range seq {
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		out = append(out, r)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s checkpoint.Store, pipeline, key string) checkpoint.Record {
	t.Helper()
	r, ok, err := s.Get(t.Context(), pipeline, key)
	must(t, err)
	if !ok {
		t.Fatalf("record %s/%s missing", pipeline, key)
	}
	return r
}

func key(i int) string { return fmt.Sprintf("k%05d", i) }
