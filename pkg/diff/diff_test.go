package diff

import (
	"fmt"
	"iter"
	"slices"
	"testing"

	"github.com/alexsync/alexsync/pkg/record"
)

func baseline(ks ...Known) iter.Seq2[Known, error] {
	return func(yield func(Known, error) bool) {
		for _, k := range ks {
			if !yield(k, nil) {
				return
			}
		}
	}
}

func TestClassify(t *testing.T) {
	ada := record.Contact{Key: "1", Phone: "+15551230001", FirstName: "Ada"}
	bob := record.Contact{Key: "2", Phone: "+15551230002", FirstName: "Bob"}
	bobNew := bob
	bobNew.LastName = "Smith"
	known := []Known{
		{Key: "1", ContactHash: ada.Fingerprint(), RemoteID: "c1", Synced: true, Deletable: true},
		{Key: "2", ContactHash: bob.Fingerprint(), RemoteID: "c2", Synced: true, Deletable: true},
		{Key: "3", RemoteID: "", Synced: false},                    // created once, never confirmed
		{Key: "4", RemoteID: "c4", Synced: false, Deletable: true}, // update failed last time
		{Key: "5", RemoteID: "c5", Synced: true, Deletable: true},  // gone from the source
		{Key: "6", RemoteID: "c6", Synced: true, Deletable: false}, // gone, but not ours
		{Key: "7", RemoteID: "", Synced: false, Deletable: true},   // gone, never created
	}
	d, err := New(baseline(known...), true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		contact record.Contact
		want    Class
	}{
		{"same contact", ada, Unchanged},
		{"changed field", bobNew, Update},
		{"new key", record.Contact{Key: "9", Phone: "+15551230009", FirstName: "Cy"}, Create},
		{"known key never confirmed", record.Contact{Key: "3", Phone: "+15551230003", FirstName: "Di"}, Create},
		{"unconfirmed update with a remote id", record.Contact{Key: "4", Phone: "+15551230004", FirstName: "Ed"}, Update},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.Classify(tc.contact); got.Class != tc.want {
				t.Fatalf("Classify = %v, want %v", got.Class, tc.want)
			}
		})
	}
	var gone []string
	for _, k := range d.Gone() {
		gone = append(gone, k.Key)
	}
	if !slices.Equal(gone, []string{"5"}) {
		t.Fatalf("Gone = %v, want [5]: only confirmed contacts alexsync created or adopted", gone)
	}
}

func TestFastPath(t *testing.T) {
	h := record.RowHash([]string{"1", "Ada", "555"})
	known := Known{Key: "1", RowHash: h, RemoteID: "c1", Synced: true, Deletable: true}
	tests := []struct {
		name     string
		fastPath bool
		hash     record.Hash
		wantOK   bool
	}{
		{"same raw row", true, h, true},
		{"settings changed", false, h, false},
		{"edited row", true, record.RowHash([]string{"1", "Ada", "556"}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := New(baseline(known), tc.fastPath)
			if maybe := d.MaybeSeen(tc.hash); maybe != tc.wantOK {
				t.Fatalf("MaybeSeen = %v; want %v", maybe, tc.wantOK)
			}
			ok := d.Seen(tc.hash, 7)
			if ok != tc.wantOK {
				t.Fatalf("Seen = %v; want %v", ok, tc.wantOK)
			}
			if line, noted := d.NotedKey("1"); noted != ok || (ok && line != 7) {
				t.Fatalf("NotedKey = %d, %v after Seen = %v", line, noted, ok)
			}
			if ok {
				// MaybeSeen still says yes (it reads no flags); Seen refuses.
				if !d.MaybeSeen(tc.hash) {
					t.Fatal("MaybeSeen changed after Seen")
				}
				if again := d.Seen(tc.hash, 8); again {
					t.Fatal("a second identical row took the fast path: it must be prepared and found a duplicate")
				}
				if len(d.Gone()) != 0 {
					t.Fatal("a fast-path row's key counted as gone")
				}
			}
		})
	}
}

// TestNoted checks what the fast path remembers for the duplicate checks.
func TestNoted(t *testing.T) {
	row := func(i string) record.Hash { return record.RowHash([]string{i}) }
	d, err := New(baseline(
		Known{Key: "a", RowHash: row("a"), RemoteID: "c1", Synced: true, Phone: "+15550001"},
		Known{Key: "b", RowHash: row("b"), RemoteID: "c2", Synced: true, Phone: "+15550002"},
		Known{Key: "c", RowHash: row("c"), RemoteID: "c3", Synced: true, Phone: "+15550002"},
		Known{Key: "d", RowHash: row("d"), RemoteID: "c4", Synced: false, Phone: "+15550004"},
	), true)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Seen(row("a"), 2) || !d.Seen(row("c"), 4) || d.Seen(row("d"), 5) {
		t.Fatal("the fast path took the wrong rows: an unconfirmed record must be prepared")
	}
	tests := []struct {
		name, phone, key string
		wantKey          string
		wantLine         int
	}{
		{"phone of a fast-path row under another key", "+15550001", "z", "a", 2},
		{"phone of a fast-path row under its own key", "+15550001", "a", "", 0},
		{"shared phone, only one row taken", "+15550002", "b", "c", 4},
		{"phone of a row not taken", "+15550004", "z", "", 0},
		{"unknown phone", "+15559999", "z", "", 0},
		{"no phone", "", "z", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, line, ok := d.NotedPhone(tc.phone, tc.key)
			if ok != (tc.wantKey != "") || k != tc.wantKey || line != tc.wantLine {
				t.Fatalf("NotedPhone = %q, %d, %v; want %q, %d", k, line, ok, tc.wantKey, tc.wantLine)
			}
		})
	}
	if _, ok := d.NotedKey("b"); ok {
		t.Fatal("NotedKey of a key the fast path did not take")
	}
	if _, ok := d.NotedKey("nope"); ok {
		t.Fatal("NotedKey of an unknown key")
	}
}

// TestManyKeys fills the indexes well past their first probe runs.
func TestManyKeys(t *testing.T) {
	const n = 5000
	ks := make([]Known, n)
	for i := range ks {
		key := fmt.Sprint(i)
		ks[i] = Known{Key: key, RowHash: record.RowHash([]string{key}), RemoteID: "r" + key, Synced: true, Deletable: true, Phone: "+1" + key,
			Origin: fmt.Sprint("o", i%20)} // more origins than the short list holds
	}
	d, err := NewSized(baseline(ks...), true, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 2 {
		if !d.Seen(ks[i].RowHash, i+1) {
			t.Fatalf("row %d not found", i)
		}
	}
	for i := 1; i < n; i += 2 {
		if ch := d.Classify(record.Contact{Key: ks[i].Key}); ch.Class != Update || ch.Known != ks[i] {
			t.Fatalf("Classify(%d) = %+v", i, ch)
		}
	}
	if g := d.Gone(); len(g) != 0 {
		t.Fatalf("%d gone", len(g))
	}
}
