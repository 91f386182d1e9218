package diff

import (
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
			k, ok := d.Seen(tc.hash)
			if ok != tc.wantOK || (ok && k.Key != "1") {
				t.Fatalf("Seen = %+v, %v; want ok=%v", k, ok, tc.wantOK)
			}
			if ok {
				if _, again := d.Seen(tc.hash); again {
					t.Fatal("a second identical row took the fast path: it must be prepared and found a duplicate")
				}
				if len(d.Gone()) != 0 {
					t.Fatal("a fast-path row's key counted as gone")
				}
			}
		})
	}
}
