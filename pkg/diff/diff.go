// Package diff classifies this run's source rows against what earlier
// runs confirmed: create, update, unchanged, and (for keys that left the
// source) delete.
package diff

import (
	"encoding/binary"
	"hash/maphash"
	"iter"

	"github.com/alexsync/alexsync/pkg/record"
)

// Class is what a row, or a key gone from the source, needs.
type Class int

// Classes.
const (
	Unchanged Class = iota
	Create
	Update
	Delete
)

// String names the class.
func (c Class) String() string { return [...]string{"unchanged", "create", "update", "delete"}[c] }

// Known is what the checkpoint holds for one key.
type Known struct {
	Key         string
	RowHash     record.Hash // raw source values last seen
	ContactHash record.Hash // contact last confirmed by the API
	RemoteID    string
	Synced      bool   // the API confirmed the contact as it is in ContactHash
	Deletable   bool   // alexsync created or adopted it, so it may delete it
	Origin      string // how alexsync came to own it ("created", "adopted"); carried for the caller
	Phone       string // E.164 as last sent; for the duplicate checks
}

// Differ holds the baseline of one pipeline and the keys seen this run.
// It is not safe for concurrent use: rows are classified in source order.
//
// A nightly re-sync holds a million keys and looks up every source row,
// so the baseline is kept without pointers: the strings of every key in
// one byte arena, the entries in one slice, and open-addressing indexes
// of entry numbers by key, by raw row hash and (built on first use) by
// phone. The garbage collector never scans any of it.
type Differ struct {
	arena     []byte
	entries   []entry
	byKey     index
	byRow     index // synced entries with a row hash
	byPhone   index // built by NotedPhone
	phoned    bool
	byRemote  index // built by HoldsRemote
	remoted   bool
	fastPath  bool
	seed      maphash.Seed
	origins   []string // the distinct origins (a handful), by entry.origin
	originIdx map[string]uint32
}

// span is a string in the arena.
type span struct{ off, n uint32 }

type entry struct {
	key, remote, phone   span
	rowHash, contactHash record.Hash
	origin               uint32 // index in Differ.origins
	line                 int32  // source line of the row the fast path took for it
	flags                uint8
}

const (
	flagSynced uint8 = 1 << iota
	flagDeletable
	flagSeen
)

// New loads the baseline. fastPath says whether the mapping and
// normalization settings are those of the last run: only then does an
// unchanged raw row prove an unchanged contact.
func New(baseline iter.Seq2[Known, error], fastPath bool) (*Differ, error) {
	return NewSized(baseline, fastPath, 0)
}

// NewSized is New with room made up front for size keys (the expected
// baseline length).
func NewSized(baseline iter.Seq2[Known, error], fastPath bool, size int) (*Differ, error) {
	d := &Differ{entries: make([]entry, 0, size), arena: make([]byte, 0, 32*size), fastPath: fastPath, seed: maphash.MakeSeed()}
	for k, err := range baseline {
		if err != nil {
			return nil, err
		}
		e := entry{key: d.put(k.Key), remote: d.put(k.RemoteID), phone: d.put(k.Phone), origin: d.origin(k.Origin),
			rowHash: k.RowHash, contactHash: k.ContactHash}
		if k.Synced {
			e.flags |= flagSynced
		}
		if k.Deletable {
			e.flags |= flagDeletable
		}
		d.entries = append(d.entries, e)
	}
	d.byKey = newIndex(len(d.entries))
	d.byRow = newIndex(len(d.entries))
	for i := range d.entries {
		e := &d.entries[i]
		d.byKey.insert(maphash.Bytes(d.seed, d.bytes(e.key)), int32(i))
		if e.flags&flagSynced != 0 && e.rowHash != (record.Hash{}) {
			d.byRow.insert(rowSlot(e.rowHash), int32(i))
		}
	}
	return d, nil
}

func (d *Differ) put(s string) span {
	sp := span{off: uint32(len(d.arena)), n: uint32(len(s))}
	d.arena = append(d.arena, s...)
	return sp
}

// origin returns the index of o in d.origins, adding it if new. There
// are a handful; a checkpoint edited by hand could have many, so past a
// few a map finds them.
func (d *Differ) origin(o string) uint32 {
	if d.originIdx == nil {
		for i, have := range d.origins {
			if have == o {
				return uint32(i)
			}
		}
		if len(d.origins) == 8 {
			d.originIdx = make(map[string]uint32)
			for i, have := range d.origins {
				d.originIdx[have] = uint32(i)
			}
		}
	} else if i, ok := d.originIdx[o]; ok {
		return i
	}
	o = string([]byte(o)) // a copy: o may share a large buffer
	d.origins = append(d.origins, o)
	if d.originIdx != nil {
		d.originIdx[o] = uint32(len(d.origins) - 1)
	}
	return uint32(len(d.origins) - 1)
}

func (d *Differ) bytes(s span) []byte { return d.arena[s.off : s.off+s.n] }
func (d *Differ) str(s span) string   { return string(d.bytes(s)) }

// rowSlot is where a row hash goes in the index: it is a cryptographic
// hash already.
func rowSlot(h record.Hash) uint64 { return binary.LittleEndian.Uint64(h[:8]) }

// find returns the entry of key, or -1.
func (d *Differ) find(key string) int32 {
	return d.byKey.lookup(maphash.String(d.seed, key), func(i int32) bool { return string(d.bytes(d.entries[i].key)) == key })
}

// Len returns the number of keys in the baseline.
func (d *Differ) Len() int { return len(d.entries) }

// Seen checks the fast path: whether a row with these raw values was
// confirmed by an earlier run under the same settings. If so, the row is
// unchanged and its key is marked seen at line; the caller need not map
// or normalize it.
func (d *Differ) Seen(rowHash record.Hash, line int) bool {
	if !d.fastPath {
		return false
	}
	i := d.byRow.lookup(rowSlot(rowHash), func(i int32) bool {
		e := &d.entries[i]
		// A second identical row is a duplicate: let it be prepared and
		// reported as such.
		return e.rowHash == rowHash && e.flags&flagSeen == 0
	})
	if i < 0 {
		return false
	}
	e := &d.entries[i]
	e.flags |= flagSeen
	e.line = int32(max(line, 1))
	return true
}

// MaybeSeen reports whether Seen may take a row with rowHash: a synced
// entry has that raw-row hash. It reads only what NewSized wrote, so
// several goroutines may call it while Seen runs; Seen still decides (a
// second identical row is refused there).
func (d *Differ) MaybeSeen(rowHash record.Hash) bool {
	if !d.fastPath {
		return false
	}
	return d.byRow.lookup(rowSlot(rowHash), func(i int32) bool { return d.entries[i].rowHash == rowHash }) >= 0
}

// HoldsRemote reports whether a known record has the remote id id: the
// account's contact is already this pipeline's.
func (d *Differ) HoldsRemote(id string) bool {
	if id == "" {
		return false
	}
	if !d.remoted {
		d.byRemote = newIndex(len(d.entries))
		for i := range d.entries {
			if r := d.entries[i].remote; r.n > 0 {
				d.byRemote.insert(maphash.Bytes(d.seed, d.bytes(r)), int32(i))
			}
		}
		d.remoted = true
	}
	return d.byRemote.lookup(maphash.String(d.seed, id), func(i int32) bool { return string(d.bytes(d.entries[i].remote)) == id }) >= 0
}

// NotedKey reports the line of the row the fast path took for key, if
// it took one.
func (d *Differ) NotedKey(key string) (line int, ok bool) {
	if i := d.find(key); i >= 0 && d.entries[i].line > 0 {
		return int(d.entries[i].line), true
	}
	return 0, false
}

// NotedPhone reports a row the fast path took whose contact has phone
// under another key than key: that key and the row's line.
func (d *Differ) NotedPhone(phone, key string) (otherKey string, line int, ok bool) {
	if phone == "" {
		return "", 0, false
	}
	if !d.phoned {
		d.byPhone = newIndex(len(d.entries))
		for i := range d.entries {
			if p := d.entries[i].phone; p.n > 0 {
				d.byPhone.insert(maphash.Bytes(d.seed, d.bytes(p)), int32(i))
			}
		}
		d.phoned = true
	}
	i := d.byPhone.lookup(maphash.String(d.seed, phone), func(i int32) bool {
		e := &d.entries[i]
		return e.line > 0 && string(d.bytes(e.phone)) == phone && string(d.bytes(e.key)) != key
	})
	if i < 0 {
		return "", 0, false
	}
	return d.str(d.entries[i].key), int(d.entries[i].line), true
}

// known materializes entry i.
func (d *Differ) known(i int32) Known {
	e := &d.entries[i]
	return Known{Key: d.str(e.key), RowHash: e.rowHash, ContactHash: e.contactHash, RemoteID: d.str(e.remote),
		Synced: e.flags&flagSynced != 0, Deletable: e.flags&flagDeletable != 0, Origin: d.origins[e.origin], Phone: d.str(e.phone)}
}

// Change is the classification of one prepared contact.
type Change struct {
	Class   Class
	Contact record.Contact
	Known   Known // zero for Create
}

// Classify compares a prepared contact with the baseline and marks its key
// seen. A key the API never confirmed (pending, failed, in doubt) is a
// Create unless it has a remote id, in which case it is an Update.
func (d *Differ) Classify(c record.Contact) Change {
	i := d.find(c.Key)
	if i < 0 {
		return Change{Class: Create, Contact: c}
	}
	d.entries[i].flags |= flagSeen
	k := d.known(i)
	switch {
	case k.RemoteID == "":
		return Change{Class: Create, Contact: c, Known: k}
	case k.Synced && k.ContactHash == c.Fingerprint():
		return Change{Class: Unchanged, Contact: c, Known: k}
	default:
		return Change{Class: Update, Contact: c, Known: k}
	}
}

// Gone returns the keys of the baseline not seen this run that alexsync
// created or adopted and that have a remote id, in baseline order:
// candidates for deletion. Call it after every row was classified.
func (d *Differ) Gone() []Known {
	var out []Known
	for i := range d.entries {
		e := &d.entries[i]
		if e.flags&flagSeen == 0 && e.flags&flagDeletable != 0 && e.remote.n > 0 {
			out = append(out, d.known(int32(i)))
		}
	}
	return out
}
