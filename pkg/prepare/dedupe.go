package prepare

import (
	"fmt"
	"slices"

	"github.com/alexsync/alexsync/pkg/mapping"
	"github.com/alexsync/alexsync/pkg/record"
)

// Duplicate modes: which of several rows that share a key, or share a
// phone under different keys, is sent.
const (
	DuplicatesFirst  = "first"  // the first row; later ones are dropped (streams)
	DuplicatesLast   = "last"   // the last row; earlier ones are dropped
	DuplicatesReject = "reject" // none: every row of the group is rejected
)

// Deduper drops duplicate rows inside one input. Each dropped row comes
// back as a *record.RowError with Code "duplicate" naming the line it
// duplicates, so that it is reported like any other reject. In "first"
// mode rows stream through Add; "last" and "reject" need the whole input,
// so they hold the prepared rows until Finish.
type Deduper struct {
	mode    string
	keyLine map[string]int    // first mode: key -> line of the kept row
	phone   map[string]string // first mode: phone -> key of the kept row
	held    []Prepared        // last and reject modes
	noted   Noted
}

// Noted answers for the rows that were kept without being prepared (the
// sync engine's fast path took them as unchanged): whether one of them
// has a key, or a phone under another key, and on which line. The sync
// engine's differ is one.
type Noted interface {
	NotedKey(key string) (line int, ok bool)
	NotedPhone(phone, key string) (otherKey string, line int, ok bool)
}

// NewDeduper returns a Deduper for mode (first, last or reject).
func NewDeduper(mode string) *Deduper {
	return &Deduper{mode: mode, keyLine: map[string]int{}, phone: map[string]string{}}
}

// NewDeduperNoted is NewDeduper for an input whose unprepared rows noted
// answers for: a prepared row that shares a key, or a phone under another
// key, with one of them is a duplicate too. Only "first" mode can skip
// rows (see FastPathAllowed).
func NewDeduperNoted(mode string, noted Noted) *Deduper {
	d := NewDeduper(mode)
	d.noted = noted
	return d
}

// Add takes the next prepared row in source order and returns the rows
// that may be sent now and the rows dropped now.
func (d *Deduper) Add(p Prepared) (keep []Prepared, drop []*record.RowError) {
	if d.mode != DuplicatesFirst {
		d.held = append(d.held, p)
		return nil, nil
	}
	c := p.Contact
	line, ok := d.keyLine[c.Key]
	if !ok && d.noted != nil {
		line, ok = d.noted.NotedKey(c.Key)
	}
	if ok {
		return nil, []*record.RowError{dup(p, "same key %q as line %d", mapping.DisplayKey(c.Key), line)}
	}
	key, ok := d.phone[c.Phone]
	switch {
	case ok && key != c.Key:
		line = d.keyLine[key]
	case d.noted != nil:
		key, line, ok = d.noted.NotedPhone(c.Phone, c.Key)
	default:
		ok = false
	}
	if ok {
		return nil, []*record.RowError{dup(p, "phone %s is already on line %d (key %q)", c.Phone, line, mapping.DisplayKey(key))}
	}
	d.keyLine[c.Key] = p.Row.Line
	d.phone[c.Phone] = c.Key
	return []Prepared{p}, nil
}

// FastPathAllowed reports whether rows may skip preparation in this mode:
// "last" and "reject" must see every row to decide which one to keep.
func FastPathAllowed(mode string) bool { return mode == DuplicatesFirst }

// Finish returns what "last" and "reject" modes held: the rows to send,
// in source order, and the dropped ones. In "first" mode it returns
// nothing.
func (d *Deduper) Finish() (keep []Prepared, drop []*record.RowError) {
	if d.mode == DuplicatesFirst {
		return nil, nil
	}
	groups := d.group()
	for i, p := range d.held {
		g := groups[i]
		switch {
		case len(g) == 1:
			keep = append(keep, p)
		case d.mode == DuplicatesReject:
			drop = append(drop, dup(p, "rows %s share a key or a phone (duplicates: reject)", lines(d.held, g)))
		case g[len(g)-1] == i:
			keep = append(keep, p)
		default:
			last := d.held[g[len(g)-1]].Row.Line
			drop = append(drop, dup(p, "a later row (line %d) has the same key or phone (duplicates: last)", last))
		}
	}
	d.held = nil
	return keep, drop
}

// group links rows that share a key or a phone (transitively) and returns,
// for every row, the sorted indices of its group.
func (d *Deduper) group() [][]int {
	parent := make([]int, len(d.held))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	firstByKey, firstByPhone := map[string]int{}, map[string]int{}
	for i, p := range d.held {
		for _, m := range []struct {
			seen map[string]int
			v    string
		}{{firstByKey, p.Contact.Key}, {firstByPhone, p.Contact.Phone}} {
			if j, ok := m.seen[m.v]; ok {
				parent[find(i)] = find(j)
			} else {
				m.seen[m.v] = i
			}
		}
	}
	members := map[int][]int{}
	for i := range d.held {
		r := find(i)
		members[r] = append(members[r], i)
	}
	out := make([][]int, len(d.held))
	for i := range d.held {
		out[i] = members[find(i)]
	}
	return out
}

func lines(held []Prepared, idx []int) string {
	ls := make([]int, len(idx))
	for i, j := range idx {
		ls[i] = held[j].Row.Line
	}
	slices.Sort(ls)
	return fmt.Sprint(ls)
}

func dup(p Prepared, format string, args ...any) *record.RowError {
	return &record.RowError{Line: p.Row.Line, Code: CodeDuplicate, Err: fmt.Errorf(format, args...), Values: p.Row.Values}
}
