package sinktest

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/alexsync/alexsync/pkg/sink"
)

// OpenFunc starts a run of the sink under test writing into dir (a file
// in dir, or a database the opener associates with dir). Calls with the
// same dir must reach the same output.
type OpenFunc func(t *testing.T, dir string) sink.Writer

// ReadFunc returns the rows the sink stores for table in dir, as canonical
// text (see Format), in storage order; no rows (or no output yet) is nil.
type ReadFunc func(t *testing.T, dir string, table sink.Table) [][]string

// Tables are the tables the suite writes and checks.
var Tables = []sink.Table{sink.Calls, sink.TranscriptLines, sink.Contacts}

// Run runs every conformance test against the sink that open starts and
// read reads back.
func Run(t *testing.T, open OpenFunc, read ReadFunc) {
	tests := []struct {
		name string
		fn   func(h *harness)
	}{
		{"EmptyRunWritesNothing", testEmptyRun},
		{"EmptyBatch", testEmptyBatch},
		{"ReplaceUpsertsByKeyWithinRun", testReplaceWithinRun},
		{"TranscriptLinesReplacedAsGroup", testGroups},
		{"SecondRunUpsertsIntoFirst", testTwoRuns},
		{"UntouchedTablesKept", testUntouchedTables},
		{"NothingVisibleBeforeClose", testNotVisibleBeforeClose},
		{"AbortKeepsPreviousOutput", testAbort},
		{"AbortFirstRun", testAbortFirst},
		{"AwkwardValuesRoundTrip", testAwkward},
		{"ManyBatchesOneRun", testManyBatches},
		{"InvalidRowsRefused", testInvalid},
		{"ClosedWriterRefusesCalls", testClosed},
		{"CommitsWithinRun", testCommits},
		{"AbortKeepsCommitted", testAbortAfterCommit},
		{"CommitOfNothing", testCommitNothing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(&harness{t: t, dir: t.TempDir(), open: open, read: read, model: map[string][][]string{}})
		})
	}
}

// harness runs batches against the sink and keeps a model of what the
// output must hold.
type harness struct {
	t     *testing.T
	dir   string
	open  OpenFunc
	read  ReadFunc
	model map[string][][]string // by table name, canonical rows in write order
}

// apply updates the model with one Replace.
func (h *harness) apply(m map[string][][]string, b Batch) {
	k := KeyIndex(b.Table)
	rows := Canonical(b.Table, b.Rows)
	keys := map[string]bool{}
	for _, r := range rows {
		keys[r[k]] = true
	}
	m[b.Table.Name] = slices.DeleteFunc(slices.Clone(m[b.Table.Name]), func(r []string) bool { return keys[r[k]] })
	m[b.Table.Name] = append(m[b.Table.Name], rows...)
}

// write opens a run and replaces every batch, failing the test on error.
func (h *harness) write(batches ...Batch) (sink.Writer, map[string][][]string) {
	h.t.Helper()
	w := h.open(h.t, h.dir)
	next := maps.Clone(h.model)
	for i, b := range batches {
		if err := w.Replace(b.Table, b.Rows); err != nil {
			h.t.Fatalf("Replace #%d (%s): %v", i, b.Table.Name, err)
		}
		h.apply(next, b)
	}
	return w, next
}

// commit runs batches and closes the writer.
func (h *harness) commit(batches ...Batch) {
	h.t.Helper()
	w, next := h.write(batches...)
	if err := w.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	h.model = next
}

// abort runs batches and aborts the writer.
func (h *harness) abort(batches ...Batch) {
	h.t.Helper()
	w, _ := h.write(batches...)
	if err := w.Abort(); err != nil {
		h.t.Fatalf("Abort: %v", err)
	}
}

// check compares the sink's output with the model, table by table.
func (h *harness) check(when string) {
	h.t.Helper()
	for _, table := range Tables {
		got := SortByKey(table, h.read(h.t, h.dir, table))
		want := SortByKey(table, h.model[table.Name])
		if len(got) != len(want) {
			h.t.Errorf("%s: %s: %d rows, want %d\ngot:  %q\nwant: %q", when, table.Name, len(got), len(want), got, want)
			continue
		}
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				h.t.Errorf("%s: %s row %d:\ngot:  %q\nwant: %q", when, table.Name, i, got[i], want[i])
			}
		}
	}
}

func calls(version int, ids ...int) Batch {
	b := Batch{Table: sink.Calls}
	for _, i := range ids {
		b.Rows = append(b.Rows, Call(i, version))
	}
	return b
}

func lines(version, n int, ids ...int) Batch {
	b := Batch{Table: sink.TranscriptLines}
	for _, i := range ids {
		b.Rows = append(b.Rows, Lines(i, n, version)...)
	}
	return b
}

func contacts(version int, ids ...int) Batch {
	b := Batch{Table: sink.Contacts}
	for _, i := range ids {
		b.Rows = append(b.Rows, Contact(i, version))
	}
	return b
}

func testEmptyRun(h *harness) {
	h.commit()
	h.check("empty first run")
	h.commit(calls(1, 1, 2), lines(1, 2, 1))
	h.commit()
	h.check("empty second run")
}

func testEmptyBatch(h *harness) {
	h.commit(Batch{Table: sink.Calls}, Batch{Table: sink.TranscriptLines, Rows: []sink.Row{}})
	h.check("empty batches")
	h.commit(calls(1, 1))
	h.commit(Batch{Table: sink.Calls})
	h.check("empty batch over rows")
}

func testReplaceWithinRun(h *harness) {
	h.commit(calls(1, 1, 2, 3), calls(2, 2, 4), calls(3, 4))
	h.check("one run")
}

func testGroups(h *harness) {
	h.commit(lines(1, 3, 1), lines(1, 2, 2), lines(2, 1, 1), lines(3, 4, 3, 2))
	h.check("one run")
	h.commit(lines(4, 2, 1), lines(4, 1, 3))
	h.check("second run")
}

func testTwoRuns(h *harness) {
	h.commit(calls(1, 1, 2, 3, 4), lines(1, 3, 1, 2, 3, 4), contacts(1, 1, 2))
	h.check("first run")
	h.commit(calls(2, 2, 5), lines(2, 5, 2, 5), contacts(2, 2, 3))
	h.check("second run")
	h.commit(calls(3, 5, 1), lines(3, 1, 4))
	h.check("third run")
}

func testUntouchedTables(h *harness) {
	h.commit(calls(1, 1, 2), lines(1, 2, 1, 2), contacts(1, 1))
	h.commit(contacts(2, 1, 2))
	h.check("contacts only")
	h.commit(lines(2, 1, 2))
	h.check("lines only")
}

func testNotVisibleBeforeClose(h *harness) {
	h.commit(calls(1, 1, 2), lines(1, 2, 1))
	w, next := h.write(calls(2, 2, 3), lines(2, 1, 1, 3), contacts(1, 1))
	h.check("before Close")
	if err := w.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	h.model = next
	h.check("after Close")
}

func testAbort(h *harness) {
	h.commit(calls(1, 1, 2, 3), lines(1, 3, 1, 2), contacts(1, 1))
	h.abort(calls(2, 1, 4), lines(2, 1, 1, 2), contacts(2, 1, 2))
	h.check("after Abort")
	h.commit(calls(3, 3))
	h.check("run after Abort")
}

func testAbortFirst(h *harness) {
	h.abort(calls(1, 1, 2), lines(1, 2, 1), contacts(1, 1))
	h.check("aborted first run")
}

func testAwkward(h *harness) {
	sample := Sample()
	h.commit(sample...)
	h.check("first run")
	// A second run rewrites only some keys, so stored values are copied.
	h.commit(Batch{sink.Calls, sample[0].Rows[:1]}, Batch{sink.TranscriptLines, sample[1].Rows[3:]})
	h.check("second run")
	h.commit(sample...)
	h.check("third run")
}

func testManyBatches(h *harness) {
	var batches []Batch
	for b := range 20 {
		ids := []int{b * 3, b*3 + 1, b*3 + 2, b} // b overlaps earlier batches
		batches = append(batches, calls(b, ids...), lines(b, 1+b%4, ids...))
	}
	h.commit(batches...)
	h.check("one run of many batches")
	h.commit(batches[10:]...)
	h.check("second run")
}

func testInvalid(h *harness) {
	w := h.open(h.t, h.dir)
	good := calls(1, 1)
	if err := w.Replace(good.Table, good.Rows); err != nil {
		h.t.Fatalf("Replace: %v", err)
	}
	noKey := sink.Table{Name: "calls", Key: "missing", Columns: sink.Calls.Columns}
	bad := []struct {
		name  string
		table sink.Table
		row   sink.Row
	}{
		{"short row", sink.Calls, Call(2, 1)[:3]},
		{"long row", sink.Calls, append(Call(2, 1), "x")},
		{"string in Number", sink.Calls, with(Call(2, 1), 5, "95")},
		{"int in Time", sink.Calls, with(Call(2, 1), 1, 12)},
		{"string in Time", sink.Calls, with(Call(2, 1), 1, "2026-01-15T14:30:00Z")},
		{"float in Text", sink.Calls, with(Call(2, 1), 3, 1.5)},
		{"key column missing", noKey, Call(2, 1)},
	}
	for _, tc := range bad {
		if err := w.Replace(tc.table, []sink.Row{Call(3, 1), tc.row}); err == nil {
			h.t.Errorf("%s: Replace returned nil", tc.name)
		}
	}
	if err := w.Close(); err != nil {
		h.t.Fatalf("Close after refused batches: %v", err)
	}
	h.apply(h.model, good)
	h.check("refused batches leave no trace")
}

func with(row sink.Row, i int, v any) sink.Row {
	row = slices.Clone(row)
	row[i] = v
	return row
}

func testClosed(h *harness) {
	steps := []struct {
		name    string
		end     func(sink.Writer) error
		after   func(sink.Writer) error
		wantErr bool
	}{
		{"Replace after Close", sink.Writer.Close, replaceOne, true},
		{"Close after Close", sink.Writer.Close, sink.Writer.Close, true},
		{"Abort after Close", sink.Writer.Close, sink.Writer.Abort, false},
		{"Replace after Abort", sink.Writer.Abort, replaceOne, true},
		{"Close after Abort", sink.Writer.Abort, sink.Writer.Close, true},
		{"Abort after Abort", sink.Writer.Abort, sink.Writer.Abort, false},
		{"Commit after Close", sink.Writer.Close, sink.Writer.Commit, true},
		{"Commit after Abort", sink.Writer.Abort, sink.Writer.Commit, true},
	}
	for _, st := range steps {
		w := h.open(h.t, h.dir)
		if err := replaceOne(w); err != nil {
			h.t.Fatalf("%s: Replace: %v", st.name, err)
		}
		if err := st.end(w); err != nil {
			h.t.Fatalf("%s: %v", st.name, err)
		}
		if err := st.after(w); (err != nil) != st.wantErr {
			h.t.Errorf("%s: error %v, want error: %v", st.name, err, st.wantErr)
		}
	}
	h.apply(h.model, calls(1, 1))
	h.check(fmt.Sprintf("after %d runs", len(steps)))
}

func replaceOne(w sink.Writer) error { return w.Replace(sink.Calls, []sink.Row{Call(1, 1)}) }

// step is one call of a run: a Replace, or a Commit when commit is set.
type step struct {
	commit bool
	batch  Batch
}

func commitStep() step { return step{commit: true} }

// steps runs one run of steps and returns the writer and the model as of
// its last Commit and as of its last step.
func (h *harness) steps(ss ...step) (w sink.Writer, committed, all map[string][][]string) {
	h.t.Helper()
	w = h.open(h.t, h.dir)
	committed, all = maps.Clone(h.model), maps.Clone(h.model)
	for i, st := range ss {
		if st.commit {
			if err := w.Commit(); err != nil {
				h.t.Fatalf("step %d: Commit: %v", i, err)
			}
			committed = maps.Clone(all)
			continue
		}
		if err := w.Replace(st.batch.Table, st.batch.Rows); err != nil {
			h.t.Fatalf("step %d: Replace (%s): %v", i, st.batch.Table.Name, err)
		}
		h.apply(all, st.batch)
	}
	return w, committed, all
}

// settle runs an empty run: a sink that keeps committed rows outside its
// output until a Close (XLSX) writes them now.
func (h *harness) settle() {
	h.t.Helper()
	if err := h.open(h.t, h.dir).Close(); err != nil {
		h.t.Fatalf("empty run after: %v", err)
	}
}

func r(b Batch) step { return step{batch: b} }

func testCommits(h *harness) {
	h.commit(calls(1, 1, 2, 3), lines(1, 2, 1, 2))
	// Keys replaced again after a Commit, lines regrouped across Commits.
	w, _, all := h.steps(
		r(calls(2, 2, 4)), r(lines(2, 3, 2, 4)), commitStep(),
		r(calls(3, 4, 5)), r(lines(3, 1, 2)), commitStep(),
		r(calls(4, 1, 2)), r(contacts(1, 1)), commitStep(),
		r(lines(4, 2, 5)),
	)
	if err := w.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	h.model = all
	h.check("after Close")
	// A second run that commits, then closes.
	w, _, all = h.steps(r(calls(5, 5, 6)), commitStep())
	if err := w.Close(); err != nil {
		h.t.Fatalf("second run: Close: %v", err)
	}
	h.model = all
	h.check("second run")
}

func testAbortAfterCommit(h *harness) {
	h.commit(calls(1, 1, 2), lines(1, 2, 1), contacts(1, 1))
	w, committed, _ := h.steps(
		r(calls(2, 2, 3)), r(lines(2, 1, 1, 3)), commitStep(),
		r(calls(3, 1, 4)), r(lines(3, 3, 2)), r(contacts(2, 1, 2)),
	)
	if err := w.Abort(); err != nil {
		h.t.Fatalf("Abort: %v", err)
	}
	h.model = committed
	h.settle()
	h.check("committed rows after Abort")
	h.commit(calls(4, 3))
	h.check("a run after that")
}

func testCommitNothing(h *harness) {
	w, _, _ := h.steps(commitStep(), commitStep())
	if err := w.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	h.check("Commit of nothing")
	h.commit(calls(1, 1))
	w, _, _ = h.steps(commitStep())
	if err := w.Abort(); err != nil {
		h.t.Fatalf("Abort: %v", err)
	}
	h.settle()
	h.check("Commit of nothing over rows")
}
