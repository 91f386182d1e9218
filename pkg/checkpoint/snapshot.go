package checkpoint

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// A baseline snapshot is stored as chunks of up to Options.SnapshotChunk records,
// each one a self-checking blob:
//
//	"ASB1" uvarint(id) uvarint(n) uvarint(count) count × record crc32(IEEE, everything before, little endian)
//
// id is the snapshot's random identity and n the chunk's position in it,
// so that a chunk of another snapshot or in another place is refused.
// where a record is seven uvarint-length-prefixed strings: key, row hash,
// contact hash, remote id, origin, state, phone. Records are in strictly
// increasing key order within and across chunks.

const chunkMagic = "ASB1"

var errBadChunk = errors.New("checkpoint: corrupt baseline snapshot chunk")

// encodeChunk appends chunk n of snapshot id, holding recs, to dst.
func encodeChunk(dst []byte, id uint64, n int, recs []BaselineRecord) []byte {
	dst = append(dst, chunkMagic...)
	dst = binary.AppendUvarint(dst, id)
	dst = binary.AppendUvarint(dst, uint64(n))
	dst = binary.AppendUvarint(dst, uint64(len(recs)))
	for _, r := range recs {
		for _, s := range [...]string{r.Key, r.RowHash, r.ContactHash, r.RemoteID, string(r.Origin), string(r.State), r.Phone} {
			dst = binary.AppendUvarint(dst, uint64(len(s)))
			dst = append(dst, s...)
		}
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst))
}

// decodeChunk decodes chunk pos of snapshot id into buf (reusing its
// room) and returns the records, or errBadChunk when data is not a whole,
// intact chunk pos of snapshot id. The records' strings share one copy
// of data.
func decodeChunk(data []byte, id uint64, pos int, buf []BaselineRecord) ([]BaselineRecord, error) {
	if len(data) < len(chunkMagic)+1+4 || string(data[:len(chunkMagic)]) != chunkMagic {
		return nil, errBadChunk
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(body):]) {
		return nil, errBadChunk
	}
	d := chunkDecoder{s: string(body[len(chunkMagic):])}
	if d.uvarint() != id || d.uvarint() != uint64(pos) {
		return nil, errBadChunk
	}
	n := d.uvarint()
	if d.bad || n > uint64(len(d.s))/7 { // every record takes at least 7 bytes
		return nil, errBadChunk
	}
	out := buf[:0]
	for range n {
		out = append(out, BaselineRecord{Key: d.str(), RowHash: d.str(), ContactHash: d.str(), RemoteID: d.str(),
			Origin: Origin(d.str()), State: State(d.str()), Phone: d.str()})
	}
	if d.bad || d.s != "" {
		return nil, errBadChunk
	}
	return out, nil
}

// chunkDecoder reads uvarints and strings off s; any overrun sets bad.
type chunkDecoder struct {
	s   string
	bad bool
}

func (d *chunkDecoder) uvarint() uint64 {
	var v uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if i >= len(d.s) {
			break
		}
		b := d.s[i]
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				break
			}
			d.s = d.s[i+1:]
			return v
		}
	}
	d.bad, d.s = true, ""
	return 0
}

func (d *chunkDecoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.s)) {
		d.bad, d.s = true, ""
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}
