package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// chaosRequestMinimum is the fewest requests the push scenario can take: one
// create per valid row, one PATCH per edited row, one DELETE per removed
// row, and one page listing the (then empty) account for adoption.
type chaosRequestMinimum struct{ creates, updates, deletes, listing int }

func (m chaosRequestMinimum) total() int { return m.creates + m.updates + m.deletes + m.listing }

func chaosMinimum(sz chaosSize) chaosRequestMinimum {
	s := chaosSource{rows: sz.rows, invalidEvery: sz.invalidEvery}
	var m chaosRequestMinimum
	for i := range sz.rows {
		if s.invalid(i) {
			continue
		}
		m.creates++
		if (chaosSource{edit: true}).edited(i) {
			m.updates++
		}
		if (chaosSource{deleted: true}).isGone(i) {
			m.deletes++
		}
	}
	m.listing = 1
	return m
}

// chaosReport collects the numbers of one TestChaos and prints them as
// "chaos ..." lines: through t.Log always, and on stdout for the long run
// (`make chaos` keeps those lines).
//
// Request accounting. Every number counts alexsync's requests only, as
// seen by the wrapper in front of the simulator; the competitor's are
// counted apart and subtracted (the simulator's own total must equal the
// sum, which is checked). "all" is every request alexsync sent: 429s,
// requests answered by an injected fault (500 before a change, a dropped
// connection, an ambiguous write answered 500 or dropped) and the
// requests a restart repeats (the adoption listing of a first run that
// never completed, lookups by phone settling in-flight records) included.
// "clean" removes the requests answered by an injected fault and the
// 429s: it still counts every retry's eventual answer, the lookups that
// settle an unknown outcome, and every adoption listing page, so it
// measures what the engine chose to send.
type chaosReport struct {
	size  string
	print bool
	lines []string

	pushTime                             time.Duration
	cleanRatio, engineRatio, neededRatio float64
	lookups, lookupBound                 int
	totalsMatch                          bool
}

func (r *chaosReport) add(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf("chaos %-6s ", r.size)+fmt.Sprintf(format, args...))
}

func (r *chaosReport) flush(t *testing.T) {
	out := strings.Join(r.lines, "\n")
	t.Log("\n" + out)
	if r.print {
		fmt.Println(out)
	}
}

// chaosRequestTally splits alexsync's requests as the ratios need them.
type chaosRequestTally struct {
	total, faults, limited, abandoned int
	byKind                            map[string]int // answered without an injected fault or a 429
	faultedCreates                    int            // creates answered 500 or dropped: outcome unknown
}

func chaosTally(counts map[string]int) chaosRequestTally {
	t := chaosRequestTally{byKind: map[string]int{}}
	for k, n := range counts {
		kind, status, _ := strings.Cut(k, " ")
		if status == "abandoned" {
			t.abandoned += n // never reached the simulator's counters
			continue
		}
		t.total += n
		switch status {
		case "500", "dropped":
			t.faults += n // the simulator answers 500 only when it injects one
			if kind == "create" {
				t.faultedCreates += n
			}
		case "429":
			t.limited += n
		default:
			t.byKind[kind] += n
		}
	}
	return t
}

// push records the push scenario's numbers and sets the ratios.
func (r *chaosReport) push(c *chaosRunner, fs chaosState, cs *chaosSim, m chaosRequestMinimum) {
	t := chaosTally(cs.requestCounts())
	st := cs.Stats()
	comp := int(cs.comp.Load())
	clean := t.total - t.faults - t.limited
	r.cleanRatio = float64(clean) / float64(m.total())
	r.engineRatio = float64(clean-t.byKind["lookup"]) / float64(m.total())
	r.lookups = t.byKind["lookup"]
	r.lookupBound = t.faultedCreates + (c.kills+c.quotas)*c.sz.workers
	// The minimum needed under faults: the minimum, plus one lookup for
	// each create whose outcome a fault or a kill left unknown.
	needed := m.total() + min(r.lookups, r.lookupBound)
	r.neededRatio = float64(clean) / float64(needed)
	r.totalsMatch = t.total+comp == st.TotalRequests
	r.add("push: %d rows, %d valid contacts wanted; %d runs: %d killed (SIGKILL), %d quota stops (exit 3), other exits %v, %s",
		c.sz.rows, fs.want, c.runs, c.kills, c.quotas, c.codes, r.pushTime.Round(time.Second))
	r.add("push faults injected (all clients): %s; 429s: %d to alexsync, %d in all", chaosFmtCounts(st.Faults), t.limited, st.RateLimited)
	r.add("push final state %s (the simulator counts %d duplicate phones)", fs, st.DuplicatePhones)
	r.add("requests: alexsync %d + competitor %d = %d (simulator total %d%s; %d alexsync requests abandoned in the latency by killed children, uncounted)",
		t.total, comp, t.total+comp, st.TotalRequests, chaosCheckMark(r.totalsMatch), t.abandoned)
	r.add("minimum %d = %d creates + %d updates + %d deletes + %d listing page", m.total(), m.creates, m.updates, m.deletes, m.listing)
	r.add("alexsync without faults and 429s, by kind: %s", chaosFmtCounts(t.byKind))
	r.add("ratio all/minimum            %.3f (%d requests: %d answered by an injected fault, %d by 429)", float64(t.total)/float64(m.total()), t.total, t.faults, t.limited)
	r.add("ratio clean/minimum          %.3f (%d: without injected faults and 429s)", r.cleanRatio, clean)
	r.add("ratio clean/needed           %.3f (%d / %d = minimum + the lookups unknown outcomes justify; bound 1.15)", r.neededRatio, clean, needed)
	r.add("ratio engine/minimum         %.3f (%d: clean without lookups by phone; bound 1.15)", r.engineRatio, clean-r.lookups)
	r.add("lookups by phone             %d (bound %d = %d creates with an unknown outcome + (%d kills + %d quota stops) x %d workers)",
		r.lookups, r.lookupBound, t.faultedCreates, c.kills, c.quotas, c.sz.workers)
}

func chaosCheckMark(ok bool) string {
	if ok {
		return ", equal"
	}
	return ", MISMATCH"
}

func chaosFmtCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// chaosState is the final-state check's result.
type chaosState struct{ held, want, dups, diffs int }

func (s chaosState) String() string {
	verdict := "OK"
	if s.diffs > 0 {
		verdict = "FAILED"
	}
	return fmt.Sprintf("%s: %d contacts held, %d wanted, %d duplicate phones, %d differences", verdict, s.held, s.want, s.dups, s.diffs)
}
