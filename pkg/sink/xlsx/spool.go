package xlsx

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// spool holds one table's rows of the run in a temp file, so that memory
// holds only the run's keys. Each record is a batch number and the row's
// fields; keys maps each key to the last batch that replaced it, the only
// batch whose rows Close keeps.
type spool struct {
	f    *os.File
	w    *bufio.Writer
	keys map[string]uint32
	buf  []byte
}

// newSpool creates a spool next to the workbook at path, creating its
// directory (mode 0700) if needed.
func newSpool(path string) (*spool, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.spool")
	if err != nil {
		return nil, err
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 64<<10), keys: map[string]uint32{}}, nil
}

// add appends one batch whose key is field key of each record.
func (s *spool) add(gen uint32, key int, recs [][]string) error {
	for _, rec := range recs {
		s.buf = binary.AppendUvarint(s.buf[:0], uint64(gen))
		s.buf = binary.AppendUvarint(s.buf, uint64(len(rec)))
		for _, f := range rec {
			s.buf = binary.AppendUvarint(s.buf, uint64(len(f)))
			s.buf = append(s.buf, f...)
		}
		if _, err := s.w.Write(s.buf); err != nil {
			return err
		}
	}
	for _, rec := range recs {
		s.keys[rec[key]] = gen
	}
	return nil
}

// replaced reports whether the run replaced key.
func (s *spool) replaced(key string) bool {
	_, ok := s.keys[key]
	return ok
}

// eachLatest calls fn with every record of its key's last batch, in the
// order written; rec is reused between calls.
func (s *spool) eachLatest(key int, fn func(rec []string) error) error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.f, 64<<10)
	var rec []string
	for {
		gen, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if rec, err = readRecord(r, rec); err != nil {
			return err
		}
		if s.keys[rec[key]] != uint32(gen) {
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func readRecord(r *bufio.Reader, rec []string) ([]string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	rec = rec[:0]
	var buf []byte
	for range n {
		size, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		if uint64(cap(buf)) < size {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		rec = append(rec, string(buf))
	}
	return rec, nil
}

// remove closes and deletes the spool file.
func (s *spool) remove() {
	s.f.Close()
	os.Remove(s.f.Name())
}
