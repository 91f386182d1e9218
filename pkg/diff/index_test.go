package diff

import "testing"

func TestIndex(t *testing.T) {
	tests := []struct {
		name   string
		hashes []uint64 // entry i has hashes[i]
		probe  uint64
		want   []int32 // the entries lookup must offer, in order, until one matches
	}{
		{"empty", nil, 1, nil},
		{"one hit", []uint64{5}, 5, []int32{0}},
		{"same slot, other tag", []uint64{5, 5 | 1<<40}, 5 | 1<<40, []int32{1}},
		{"same hash twice", []uint64{9, 9, 9}, 9, []int32{0, 1, 2}},
		{"wraps around the end", []uint64{7, 7, 7, 7}, 7, []int32{0, 1, 2, 3}},
		{"miss", []uint64{1, 2, 3}, 4, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := newIndex(len(tc.hashes))
			for i, h := range tc.hashes {
				ix.insert(h, int32(i))
			}
			var offered []int32
			got := ix.lookup(tc.probe, func(i int32) bool { offered = append(offered, i); return false })
			if got != -1 || len(offered) != len(tc.want) {
				t.Fatalf("lookup offered %v (returned %d), want %v", offered, got, tc.want)
			}
			for i := range offered {
				if offered[i] != tc.want[i] {
					t.Fatalf("lookup offered %v, want %v", offered, tc.want)
				}
			}
			if len(tc.want) > 0 {
				last := tc.want[len(tc.want)-1]
				if got := ix.lookup(tc.probe, func(i int32) bool { return i == last }); got != last {
					t.Fatalf("lookup = %d, want %d", got, last)
				}
			}
		})
	}
}
