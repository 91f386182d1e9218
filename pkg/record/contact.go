package record

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"maps"
	"slices"
)

// Contact is a row turned into what SmartAlex stores: mapped, transformed,
// with the phone in E.164. Key is the external key that ties it to its
// source row across runs.
type Contact struct {
	Key       string            `json:"key"`
	Phone     string            `json:"phone"` // E.164
	FirstName string            `json:"first_name"`
	LastName  string            `json:"last_name,omitempty"`
	Email     string            `json:"email,omitempty"`
	Company   string            `json:"company,omitempty"`
	Title     string            `json:"title,omitempty"`
	Tags      []string          `json:"tags,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

// Hash is a fingerprint: equal inputs give equal hashes across runs,
// processes and versions of alexsync (the checkpoint stores them).
type Hash [16]byte

// String returns the hash in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// RowHash fingerprints raw source values, for the fast "row unchanged
// since last run" check. Each value is length-prefixed so that
// ["ab","c"] and ["a","bc"] differ.
func RowHash(values []string) Hash {
	// One Sum256 over a buffer (on the stack for typical rows) hashes the
	// same bytes as streaming each field into a hash.Hash, at half the cost.
	var buf [1024]byte
	b := buf[:0]
	for _, v := range values {
		b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
		b = append(b, v...)
	}
	full := sha256.Sum256(b)
	return Hash(full[:len(Hash{})])
}

// Fingerprint hashes the fields SmartAlex stores (not Key). Tags are
// hashed in order (the API stores them as sent); metadata by sorted key.
func (c *Contact) Fingerprint() Hash {
	h := sha256.New()
	for _, v := range []string{c.Phone, c.FirstName, c.LastName, c.Email, c.Company, c.Title} {
		writeField(h, v)
	}
	writeCount(h, len(c.Tags))
	for _, t := range c.Tags {
		writeField(h, t)
	}
	keys := slices.Sorted(maps.Keys(c.Metadata))
	writeCount(h, len(keys))
	for _, k := range keys {
		writeField(h, k)
		writeField(h, c.Metadata[k])
	}
	return sum(h)
}

func writeField(h hash.Hash, v string) {
	writeCount(h, len(v))
	h.Write([]byte(v))
}

func writeCount(h hash.Hash, n int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func sum(h hash.Hash) Hash {
	var out Hash
	copy(out[:], h.Sum(nil))
	return out
}
