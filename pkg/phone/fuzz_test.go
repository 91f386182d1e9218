package phone

import (
	"sync"
	"testing"
)

func FuzzNormalize(f *testing.F) {
	for _, table := range allCases {
		for _, c := range table {
			f.Add(c.raw, c.region)
		}
	}
	normalizers := []*Normalizer{
		mustNew(f, Options{DefaultRegion: "US"}),
		mustNew(f, Options{DefaultRegion: "GB", Accept: AcceptPossible}),
		mustNew(f, Options{AllowVanity: true}),
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		for _, n := range normalizers {
			got := n.Normalize(raw, region)
			checkInvariants(t, n, raw, region, got)
		}
	})
}

// TestConcurrentUse runs one Normalizer from many goroutines; with -race
// it proves Normalize shares no mutable state.
func TestConcurrentUse(t *testing.T) {
	n := mustNew(t, Options{DefaultRegion: "US", AllowVanity: true})
	want := make([]Result, len(benchInputs))
	for i, in := range benchInputs {
		want[i] = n.Normalize(in.raw, in.region)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i, in := range benchInputs {
				if got := n.Normalize(in.raw, in.region); got.E164 != want[i].E164 || got.Reason != want[i].Reason {
					t.Errorf("Normalize(%q) = %+v, want %+v", in.raw, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}
