package csv

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/alexsync/alexsync/pkg/fileout"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/alexsync/alexsync/pkg/sink"
)

// bom is the UTF-8 byte-order mark Excel mode writes, and every read skips.
const bom = "\xef\xbb\xbf"

// HeaderError reports an existing file whose header row is not the
// table's columns: the writer refuses to mix two layouts in one file.
type HeaderError struct {
	Path      string
	Got, Want []string
}

// Error says which file (or sheet) and both headers.
func (e *HeaderError) Error() string {
	return fmt.Sprintf("csv sink: %s: existing header %q is not the columns of this table %q; move the file away or choose another path",
		e.Path, e.Got, e.Want)
}

// oldReader opens an existing output file past its header, which it
// checks against table. It returns nil, nil when there is no file or the
// file is empty.
func oldReader(file string, table sink.Table) (*csv.Reader, *os.File, error) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("csv sink: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	if b, _ := br.Peek(len(bom)); string(b) == bom {
		br.Discard(len(bom))
	}
	r := csv.NewReader(br)
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		f.Close()
		return nil, nil, nil
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("csv sink: %s: %w", file, err)
	}
	want := headerOf(table)
	if !slices.Equal(header, want) {
		f.Close()
		return nil, nil, &HeaderError{Path: file, Got: slices.Clone(header), Want: want}
	}
	return r, f, nil
}

// checkHeader fails early, at a table's first Replace, when its existing
// file has another header.
func checkHeader(file string, table sink.Table) error {
	_, f, err := oldReader(file, table)
	if f != nil {
		f.Close()
	}
	return err
}

// build writes a table's new file to a temp file next to it and returns
// the temp file's name: header, the existing rows whose key the run did
// not replace, then the run's rows.
func build(p *pending, opts Options) (string, error) {
	tmp, err := fileout.CreateTemp(p.file)
	if err != nil {
		return "", fmt.Errorf("csv sink: %w", err)
	}
	err = writeFile(tmp, p, opts)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("csv sink: %s: %w", p.file, err)
	}
	return tmp.Name(), nil
}

func writeFile(tmp *os.File, p *pending, opts Options) error {
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if opts.Excel {
		bw.WriteString(bom)
	}
	bw.Write(appendRecord(nil, headerOf(p.table), opts.Excel))
	if err := copyOld(bw, p, opts.Excel); err != nil {
		return err
	}
	if err := p.spool.copyLatest(bw); err != nil {
		return err
	}
	return bw.Flush()
}

func headerOf(table sink.Table) []string {
	names := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		names[i] = c.Name
	}
	return names
}

// copyOld streams the existing file's rows whose key the run did not
// replace, re-encoded in this run's line endings.
func copyOld(w io.Writer, p *pending, crlf bool) error {
	r, f, err := oldReader(p.file, p.table)
	if err != nil || r == nil {
		return err
	}
	defer f.Close()
	var buf []byte
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err // a *csv.ParseError names the line
		}
		if p.spool.replaced(rec[p.key]) {
			continue
		}
		buf = appendRecord(buf[:0], rec, crlf)
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
}

// commit renames each built temp file over its output, then syncs the
// directories so the renames survive a crash.
func commit(order []*pending, built []string) error {
	dirs := map[string]bool{}
	for i, p := range order {
		if err := fileout.Replace(built[i], p.file); err != nil {
			removeAll(built[i:])
			return fmt.Errorf("csv sink: %w", err)
		}
		dirs[filepath.Dir(built[i])] = true // the replaced file's, through links
	}
	for dir := range dirs {
		if err := fileout.SyncDir(dir); err != nil {
			return fmt.Errorf("csv sink: %w", err)
		}
	}
	return nil
}

func removeAll(names []string) {
	for _, n := range names {
		os.Remove(n)
	}
}
