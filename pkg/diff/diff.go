// Package diff classifies this run's source rows against what earlier
// runs confirmed: create, update, unchanged, and (for keys that left the
// source) delete.
package diff

import (
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
	Phone       string // E.164 as last sent; carried for the caller's duplicate check
}

// Differ holds the baseline of one pipeline and the keys seen this run.
// It is not safe for concurrent use: rows are classified in source order.
type Differ struct {
	byKey     map[string]*entry
	byRowHash map[record.Hash]*entry
	fastPath  bool
}

type entry struct {
	known Known
	seen  bool
}

// New loads the baseline. fastPath says whether the mapping and
// normalization settings are those of the last run: only then does an
// unchanged raw row prove an unchanged contact.
func New(baseline iter.Seq2[Known, error], fastPath bool) (*Differ, error) {
	return NewSized(baseline, fastPath, 0)
}

// NewSized is New with room made up front for size keys (the expected
// baseline length), which spares a large baseline the maps' regrowth.
func NewSized(baseline iter.Seq2[Known, error], fastPath bool, size int) (*Differ, error) {
	d := &Differ{byKey: make(map[string]*entry, size), byRowHash: make(map[record.Hash]*entry, size), fastPath: fastPath}
	for k, err := range baseline {
		if err != nil {
			return nil, err
		}
		e := &entry{known: k}
		d.byKey[k.Key] = e
		if k.Synced && k.RowHash != (record.Hash{}) {
			d.byRowHash[k.RowHash] = e
		}
	}
	return d, nil
}

// Len returns the number of keys in the baseline.
func (d *Differ) Len() int { return len(d.byKey) }

// Seen checks the fast path: whether a row with these raw values was
// confirmed by an earlier run under the same settings. If so, the row is
// unchanged, its key is marked seen and its baseline returned; the caller
// need not map or normalize it.
func (d *Differ) Seen(rowHash record.Hash) (Known, bool) {
	if !d.fastPath {
		return Known{}, false
	}
	e, ok := d.byRowHash[rowHash]
	if !ok || e.seen {
		// A second identical row is a duplicate: let it be prepared and
		// reported as such.
		return Known{}, false
	}
	e.seen = true
	return e.known, true
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
	e, ok := d.byKey[c.Key]
	if !ok {
		return Change{Class: Create, Contact: c}
	}
	e.seen = true
	switch {
	case e.known.RemoteID == "":
		return Change{Class: Create, Contact: c, Known: e.known}
	case e.known.Synced && e.known.ContactHash == c.Fingerprint():
		return Change{Class: Unchanged, Contact: c, Known: e.known}
	default:
		return Change{Class: Update, Contact: c, Known: e.known}
	}
}

// Gone returns the keys of the baseline not seen this run that alexsync
// created or adopted and that have a remote id: candidates for deletion.
// Call it after every row was classified.
func (d *Differ) Gone() []Known {
	var out []Known
	for _, e := range d.byKey {
		if !e.seen && e.known.Deletable && e.known.RemoteID != "" {
			out = append(out, e.known)
		}
	}
	return out
}
