package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// maxCatchUp bounds how far back call arrivals are generated when the world
// has not advanced for a long time (e.g. state loaded after a week): calls
// due earlier than now-maxCatchUp*Day are skipped.
const maxCatchUp = 1

// world is the simulated tenant: every record and the generator state. It
// is guarded by Server.mu. Its exported fields are its saved state.
type world struct {
	Seed        uint64      `json:"seed"`
	Seq         uint64      `json:"seq"`
	RNG         []byte      `json:"rng"`
	NextArrival time.Time   `json:"next_arrival"`
	Contacts    []*contact  `json:"contacts"`  // ascending (CreatedAt, Seq)
	Calls       []*call     `json:"calls"`     // ascending (Start, Seq)
	Campaigns   []*campaign `json:"campaigns"` // ascending (CreatedAt, Seq)
	Webhooks    []*webhook  `json:"webhooks"`  // ascending (CreatedAt, Seq)
	contactByID map[string]*contact
	callByID    map[string]*call
	campByID    map[string]*campaign
	phones      map[string]int // phone -> number of contacts holding it
	pcg         *rand.PCG
	rng         *rand.Rand
	minute      time.Duration
	day         time.Duration
	callRate    float64
}

func newWorld(seed uint64, now time.Time, o Options) *world {
	w := &world{Seed: seed, minute: o.Minute, day: o.Day, callRate: o.CallRate}
	w.pcg = rand.NewPCG(seed, 0x3041d)
	w.rng = rand.New(w.pcg)
	w.index()
	w.NextArrival = now.Add(w.interArrival())
	return w
}

// index rebuilds the lookup maps from the ordered slices.
func (w *world) index() {
	w.contactByID = make(map[string]*contact, len(w.Contacts))
	w.phones = make(map[string]int, len(w.Contacts))
	for _, c := range w.Contacts {
		w.contactByID[c.ID] = c
		w.phones[c.Phone]++
	}
	w.callByID = make(map[string]*call, len(w.Calls))
	for _, c := range w.Calls {
		w.callByID[c.ID] = c
	}
	w.campByID = make(map[string]*campaign, len(w.Campaigns))
	for _, c := range w.Campaigns {
		c.index()
		w.campByID[c.ID] = c
	}
}

// newID returns a fresh opaque id with the given prefix.
func (w *world) newID(prefix string) (string, uint64) {
	w.Seq++
	return prefix + "_" + opaque(w.Seed, w.Seq), w.Seq
}

// opaque maps n to 16 hex digits through the splitmix64 finalizer, a
// bijection: distinct n give distinct ids that do not look sequential.
func opaque(seed, n uint64) string {
	z := n ^ (seed * 0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return fmt.Sprintf("%016x", z)
}

// interArrival draws the wait until the next call: exponential with mean
// Minute/CallRate, or effectively never when CallRate is 0.
func (w *world) interArrival() time.Duration {
	if w.callRate <= 0 {
		return 1 << 62
	}
	return time.Duration(w.rng.ExpFloat64() * float64(w.minute) / w.callRate)
}

// due generates the calls that arrived up to now and returns them.
func (w *world) due(now time.Time) []*call {
	if w.callRate <= 0 {
		return nil
	}
	if floor := now.Add(-maxCatchUp * w.day); w.NextArrival.Before(floor) {
		w.NextArrival = floor
	}
	var out []*call
	for !w.NextArrival.After(now) {
		out = append(out, w.addCall(w.NextArrival))
		w.NextArrival = w.NextArrival.Add(w.interArrival())
	}
	return out
}

// seedCalls adds n calls that ended at random times over the last 3*Day,
// each linked to an existing contact when there is one (see addCall).
// w.Calls stays sorted, so listings stay newest first.
func (w *world) seedCalls(n int, now time.Time) {
	span := 3 * int64(w.day)
	for range n {
		w.addCall(now.Add(-time.Duration(w.rng.Int64N(span))))
	}
}

// insertSorted inserts v into s, kept ascending by cmp.
func insertSorted[T any](s []T, v T, cmp func(a, b T) int) []T {
	i, _ := slices.BinarySearchFunc(s, v, cmp)
	return slices.Insert(s, i, v)
}

// removeFirst removes the first element equal to v.
func removeFirst[T comparable](s []T, v T) []T {
	if i := slices.Index(s, v); i >= 0 {
		return slices.Delete(s, i, i+1)
	}
	return s
}

// advanceLocked generates the calls due by now and queues their webhook
// events. The caller holds s.mu.
func (s *Server) advanceLocked(now time.Time) {
	for _, c := range s.w.due(now) {
		s.emitCall(c, now)
	}
}
