package xlsx

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/alexsync/alexsync/pkg/sink"
)

// The journal holds the rows of a run until Close writes them into the
// workbook, and keeps the committed ones across a crash. It is one file
// next to the workbook (see JournalPath): a header, then records, each a
// kind byte, a uvarint length and a payload:
//
//	'T' a table:  uvarint id, name, key, uvarint columns, (name, uvarint type)...
//	'R' a row:    uvarint table id, uvarint batch, uvarint fields, field...
//	'C' a commit: the CRC-32C of every byte since the previous commit
//
// (a string is a uvarint length and its bytes). Only what a commit record
// covers counts: reading stops at the first record that is cut short or
// whose commit does not match, and that tail is cut off.
const journalMagic = "alexsync xlsx journal 1\n"

const (
	recTable  = 'T'
	recRow    = 'R'
	recCommit = 'C'
)

// maxRecord bounds a record's length, so a damaged length cannot ask for
// gigabytes: a row of 15 cells of 32,767 characters is far below.
const maxRecord = 64 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// JournalPath returns the journal of the workbook at path: a hidden file
// in the same directory, ".<name>.journal".
func JournalPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".journal")
}

// journal appends to the journal file.
type journal struct {
	path      string
	f         *os.File
	w         *bufio.Writer
	crc       hash.Hash32 // of the bytes since the last commit record
	size      int64       // bytes written, buffered ones included
	committed int64       // size after the last commit record
	buf       []byte
}

// createJournal starts an empty journal at path (mode 0600), creating
// its directory (mode 0700) if needed.
func createJournal(path string) (*journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	j := &journal{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10), crc: crc32.New(castagnoli)}
	if _, err := j.w.WriteString(journalMagic); err != nil {
		f.Close()
		return nil, err
	}
	j.size = int64(len(journalMagic))
	j.committed = j.size
	return j, nil
}

// resumeJournal opens the journal at path for appending after its last
// commit record, at offset committed; the tail after it is cut off.
func resumeJournal(path string, committed int64) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(committed); err == nil {
		_, err = f.Seek(committed, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &journal{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10), crc: crc32.New(castagnoli), size: committed, committed: committed}, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// record appends one record of kind with payload.
func (j *journal) record(kind byte, payload []byte) error {
	var head [1 + binary.MaxVarintLen64]byte
	head[0] = kind
	n := 1 + binary.PutUvarint(head[1:], uint64(len(payload)))
	if kind != recCommit {
		j.crc.Write(head[:n])
		j.crc.Write(payload)
	}
	if _, err := j.w.Write(head[:n]); err != nil {
		return err
	}
	if _, err := j.w.Write(payload); err != nil {
		return err
	}
	j.size += int64(n + len(payload))
	return nil
}

// table appends the definition of table under id.
func (j *journal) table(id uint64, t sink.Table) error {
	b := binary.AppendUvarint(j.buf[:0], id)
	b = appendString(b, t.Name)
	b = appendString(b, t.Key)
	b = binary.AppendUvarint(b, uint64(len(t.Columns)))
	for _, c := range t.Columns {
		b = appendString(b, c.Name)
		b = binary.AppendUvarint(b, uint64(c.Type))
	}
	j.buf = b
	return j.record(recTable, b)
}

// rows appends the records of one batch of table id.
func (j *journal) rows(id uint64, gen uint32, recs [][]string) error {
	for _, rec := range recs {
		b := binary.AppendUvarint(j.buf[:0], id)
		b = binary.AppendUvarint(b, uint64(gen))
		b = binary.AppendUvarint(b, uint64(len(rec)))
		for _, f := range rec {
			b = appendString(b, f)
		}
		j.buf = b
		if err := j.record(recRow, b); err != nil {
			return err
		}
	}
	return nil
}

// commit appends a commit record when anything was written since the
// last one, and fsyncs the journal: what it covers survives a crash.
func (j *journal) commit() error {
	if j.size == j.committed {
		return nil
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], j.crc.Sum32())
	if err := j.record(recCommit, sum[:]); err != nil {
		return err
	}
	if err := j.w.Flush(); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.crc.Reset()
	j.committed = j.size
	return nil
}

// hasCommitted reports whether a commit record covers any row or table.
func (j *journal) hasCommitted() bool { return j.committed > int64(len(journalMagic)) }

// rollback cuts what the last commit did not cover and closes the file;
// a journal with nothing committed is removed.
func (j *journal) rollback() error {
	if !j.hasCommitted() {
		return j.remove()
	}
	err := j.f.Truncate(j.committed)
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// remove closes and deletes the journal.
func (j *journal) remove() error {
	j.f.Close()
	if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// flush writes the buffered records to the file (for reading them back).
func (j *journal) flush() error { return j.w.Flush() }

// journalReader reads records back.
type journalReader struct {
	r       *bufio.Reader
	crc     hash.Hash32
	off     int64
	payload []byte
}

// openJournalReader opens the journal at path past its header, reading
// at most limit bytes in all (limit < 0: the whole file).
func openJournalReader(path string, limit int64) (*journalReader, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	var src io.Reader = f
	if limit >= 0 {
		src = io.LimitReader(f, limit)
	}
	r := bufio.NewReaderSize(src, 64<<10)
	magic := make([]byte, len(journalMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != journalMagic {
		f.Close()
		return nil, nil, fmt.Errorf("%s is not a journal of this sink; move it away", path)
	}
	return &journalReader{r: r, crc: crc32.New(castagnoli), off: int64(len(journalMagic))}, f, nil
}

// next reads one record. It returns io.EOF at the end, and
// io.ErrUnexpectedEOF for a record cut short or too long to be one. A
// commit record's payload is replaced by whether its sum matched.
func (jr *journalReader) next() (kind byte, payload []byte, err error) {
	kind, err = jr.r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(jr.r)
	if err != nil || n > maxRecord {
		return 0, nil, io.ErrUnexpectedEOF
	}
	if uint64(cap(jr.payload)) < n {
		jr.payload = make([]byte, n)
	}
	p := jr.payload[:n]
	if _, err := io.ReadFull(jr.r, p); err != nil {
		return 0, nil, io.ErrUnexpectedEOF
	}
	jr.off += 1 + int64(uvarintLen(n)) + int64(n)
	if kind != recCommit {
		var head [1 + binary.MaxVarintLen64]byte
		head[0] = kind
		h := 1 + binary.PutUvarint(head[1:], n)
		jr.crc.Write(head[:h])
		jr.crc.Write(p)
		return kind, p, nil
	}
	ok := len(p) == 4 && binary.LittleEndian.Uint32(p) == jr.crc.Sum32()
	jr.crc.Reset()
	if ok {
		return kind, []byte{1}, nil
	}
	return kind, []byte{0}, nil
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}

// payloadReader decodes a record's payload.
type payloadReader struct {
	b   []byte
	err error
}

func (p *payloadReader) uvarint() uint64 {
	if p.err != nil {
		return 0
	}
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.err = io.ErrUnexpectedEOF
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *payloadReader) str() string {
	n := p.uvarint()
	if p.err != nil {
		return ""
	}
	if uint64(len(p.b)) < n {
		p.err = io.ErrUnexpectedEOF
		return ""
	}
	s := string(p.b[:n])
	p.b = p.b[n:]
	return s
}

// decodeTable decodes a table record.
func decodeTable(payload []byte) (uint64, sink.Table, error) {
	p := &payloadReader{b: payload}
	id := p.uvarint()
	t := sink.Table{Name: p.str(), Key: p.str()}
	n := p.uvarint()
	for i := uint64(0); i < n && p.err == nil; i++ {
		t.Columns = append(t.Columns, sink.Column{Name: p.str(), Type: sink.Type(p.uvarint())})
	}
	return id, t, p.err
}

// decodeRow decodes a row record into rec (reused).
func decodeRow(payload []byte, rec []string) (id uint64, gen uint32, out []string, err error) {
	p := &payloadReader{b: payload}
	id = p.uvarint()
	gen = uint32(p.uvarint())
	n := p.uvarint()
	out = rec[:0]
	for i := uint64(0); i < n && p.err == nil; i++ {
		out = append(out, p.str())
	}
	return id, gen, out, p.err
}

// recover takes into the run the committed records of the journal a
// crashed or aborted run left, and cuts off its uncommitted tail.
func (w *Writer) recover() error {
	path := JournalPath(w.path)
	jr, f, err := openJournalReader(path, -1)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	committed, err := w.replay(jr)
	f.Close()
	if err != nil {
		return err
	}
	w.j, err = resumeJournal(path, committed)
	return err
}

// replay reads records up to the last valid commit and applies those it
// covers; it returns the offset after that commit.
func (w *Writer) replay(jr *journalReader) (int64, error) {
	type keyed struct {
		p   *pending
		key string
		gen uint32
	}
	committed := jr.off
	byID := map[uint64]*pending{}
	var tables []*pending // defined since the last commit
	var keys []keyed      // replaced since the last commit
	var rec []string
	for {
		kind, payload, err := jr.next()
		if err != nil {
			return committed, nil // the end, or a tail cut short: not committed
		}
		switch kind {
		case recTable:
			id, t, err := decodeTable(payload)
			if err != nil {
				return committed, nil
			}
			sheet, key, err := w.check(t)
			if err != nil {
				return 0, fmt.Errorf("table record: %w", err)
			}
			p := &pending{table: t, sheet: sheet, key: key, id: id, keys: map[string]uint32{}}
			byID[id] = p
			tables = append(tables, p)
		case recRow:
			var id uint64
			var gen uint32
			id, gen, rec, err = decodeRow(payload, rec)
			p := byID[id]
			if err != nil || p == nil || len(rec) != len(p.table.Columns) {
				return committed, nil
			}
			keys = append(keys, keyed{p, rec[p.key], gen})
		case recCommit:
			if payload[0] == 0 {
				return committed, nil // a torn or damaged commit
			}
			for _, p := range tables {
				w.add(p)
				w.nextID = max(w.nextID, p.id+1)
			}
			for _, k := range keys {
				k.p.keys[k.key] = k.gen
				w.gen = max(w.gen, k.gen)
			}
			tables, keys = tables[:0], keys[:0]
			committed = jr.off
		default:
			return committed, nil
		}
	}
}

// eachLatest calls fn with every row of p's table in the journal that is
// the latest of its key, in the order written; rec is reused between
// calls.
func (w *Writer) eachLatest(p *pending, fn func(rec []string) error) error {
	if err := w.j.flush(); err != nil {
		return err
	}
	jr, f, err := openJournalReader(w.j.path, w.j.size)
	if err != nil {
		return err
	}
	defer f.Close()
	var rec []string
	for {
		kind, payload, err := jr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		if kind != recRow {
			continue
		}
		var id uint64
		var gen uint32
		id, gen, rec, err = decodeRow(payload, rec)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		if id != p.id || len(rec) != len(p.table.Columns) || p.keys[rec[p.key]] != gen {
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}
