package checkpoint

import (
	"slices"
	"testing"
)

func FuzzDecodeChunk(f *testing.F) {
	f.Add(encodeChunk(nil, 42, 0, []BaselineRecord{{Key: "a", RowHash: "r", ContactHash: "c", RemoteID: "id", Origin: OriginCreated, State: StateSynced, Phone: "+15550100"}}))
	f.Add(encodeChunk(nil, 42, 0, nil))
	f.Add([]byte("ASB1*\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decodeChunk(data, 42, 0, nil)
		if err != nil {
			if len(got) != 0 {
				t.Fatalf("a bad chunk handed out %d records", len(got))
			}
			return
		}
		// What decodes re-encodes to the same bytes.
		if again := encodeChunk(nil, 42, 0, got); !slices.Equal(again, data) {
			t.Fatalf("decoded %d records that re-encode differently", len(got))
		}
	})
}

func FuzzChunkRoundTrip(f *testing.F) {
	f.Add("k", "r", "c", "id", "created", "synced", "+15550100", 3)
	f.Fuzz(func(t *testing.T, key, row, contact, id, origin, state, phone string, n int) {
		n = n%50 + 1
		if n < 1 {
			n = -n + 1
		}
		recs := make([]BaselineRecord, n)
		for i := range recs {
			recs[i] = BaselineRecord{Key: key + string(rune('a'+i%26)), RowHash: row, ContactHash: contact, RemoteID: id,
				Origin: Origin(origin), State: State(state), Phone: phone}
		}
		got, err := decodeChunk(encodeChunk(nil, 9, 3, recs), 9, 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeChunk(encodeChunk(nil, 9, 3, recs), 9, 4, nil); err == nil {
			t.Fatal("a chunk decoded at another position")
		}
		if !slices.Equal(got, recs) {
			t.Fatalf("round trip changed the records")
		}
	})
}
