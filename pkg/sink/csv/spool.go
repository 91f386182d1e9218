package csv

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
// holds only the run's keys. Each record is a batch number, a key and an
// encoded CSV line; keys maps each key to the last batch that replaced it,
// the only batch whose lines Close keeps.
type spool struct {
	f    *os.File
	w    *bufio.Writer
	keys map[string]uint32
	buf  []byte
}

// newSpool creates the spool of the output file next to it, creating the
// directory (mode 0700) if needed.
func newSpool(file string) (*spool, error) {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(file)+".*.spool")
	if err != nil {
		return nil, err
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 64<<10), keys: map[string]uint32{}}, nil
}

// add appends one batch: lines[i] has key keys[i].
func (s *spool) add(gen uint32, keys []string, lines [][]byte) error {
	for i, line := range lines {
		s.buf = binary.AppendUvarint(s.buf[:0], uint64(gen))
		s.buf = binary.AppendUvarint(s.buf, uint64(len(keys[i])))
		s.buf = append(s.buf, keys[i]...)
		s.buf = binary.AppendUvarint(s.buf, uint64(len(line)))
		if _, err := s.w.Write(s.buf); err != nil {
			return err
		}
		if _, err := s.w.Write(line); err != nil {
			return err
		}
	}
	for _, k := range keys {
		s.keys[k] = gen
	}
	return nil
}

// replaced reports whether the run replaced key.
func (s *spool) replaced(key string) bool {
	_, ok := s.keys[key]
	return ok
}

// copyLatest writes the line of every record of its key's last batch to w.
func (s *spool) copyLatest(w io.Writer) error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.f, 64<<10)
	var key, line []byte
	for {
		gen, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if key, err = readBytes(r, key); err != nil {
			return err
		}
		if line, err = readBytes(r, line); err != nil {
			return err
		}
		if s.keys[string(key)] != uint32(gen) {
			continue
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
}

// readBytes reads a length-prefixed byte string into buf.
func readBytes(r *bufio.Reader, buf []byte) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return buf, nil
}

// remove closes and deletes the spool file.
func (s *spool) remove() {
	s.f.Close()
	os.Remove(s.f.Name())
}
