package diff

// index maps 64-bit hashes to entry numbers by open addressing with
// linear probing. Each slot keeps the hash's high 32 bits beside the
// entry number, so that a probe past other hashes' entries does not read
// them. Several entries may share a hash; lookup asks the caller which
// one it wants. It holds no pointers.
type index struct {
	slots []uint64 // tag<<32 | entry number + 1; 0 is empty
	mask  uint64
}

// newIndex makes room for n entries at a load factor of at most 1/2.
func newIndex(n int) index {
	size := 8
	for size < 2*n {
		size <<= 1
	}
	return index{slots: make([]uint64, size), mask: uint64(size - 1)}
}

func (ix *index) insert(h uint64, i int32) {
	v := h&^0xffffffff | uint64(uint32(i)+1)
	for s := h & ix.mask; ; s = (s + 1) & ix.mask {
		if ix.slots[s] == 0 {
			ix.slots[s] = v
			return
		}
	}
}

// lookup returns the first entry of hash h for which match is true, or -1.
func (ix *index) lookup(h uint64, match func(int32) bool) int32 {
	tag := h &^ 0xffffffff
	for s := h & ix.mask; ; s = (s + 1) & ix.mask {
		v := ix.slots[s]
		if v == 0 {
			return -1
		}
		if v&^0xffffffff == tag {
			if i := int32(uint32(v) - 1); match(i) {
				return i
			}
		}
	}
}
