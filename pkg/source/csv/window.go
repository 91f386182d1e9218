package csv

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// readAhead bounds how far encoding/csv reads past the record it returns
// (its bufio.Reader's default size), the slack in the record limit.
const readAhead = 4096

// window sits between the decoded text and encoding/csv. It enforces
// MaxLineBytes on every physical line and on every record, counts lines for
// the errors that say where, and keeps the text of the record being read
// so that a row encoding/csv cannot parse is still rejected with its
// values. It holds at most about one record, plus read-ahead.
type window struct {
	src     io.Reader
	max     int
	buf     []byte // text from offset base on
	base    int64
	mark    int64 // where the record being read starts
	off     int64 // bytes passed to encoding/csv
	lines   int   // newlines passed
	lineLen int   // bytes since the last newline
	err     error // sticky
	text    utf8Scan
}

// limitError is a window error: which limit, and the line it was hit on
// (counted from the start of the window's text).
type limitError struct {
	cause error
	line  int
}

func (e *limitError) Error() string { return e.cause.Error() }

func newWindow(src io.Reader, max int) *window {
	return &window{src: src, max: max}
}

// Read passes text on to encoding/csv. A line over the limit is cut where
// it goes over, and the error returned by the next Read, so encoding/csv
// still returns the records before it; the record limit is checked when
// encoding/csv asks for more of a record it has read past the limit.
func (w *window) Read(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.off-w.mark > int64(w.max)+readAhead {
		w.err = &limitError{cause: ErrRecordTooLong, line: w.lines + 1}
		return 0, w.err
	}
	n, err := w.src.Read(p)
	if keep, lerr := w.count(p[:n]); lerr != nil {
		w.err, n, err = lerr, keep, nil
		if n == 0 {
			return 0, lerr
		}
	}
	w.text.scan(p[:n], errors.Is(err, io.EOF))
	w.compact()
	w.buf = append(w.buf, p[:n]...)
	w.off += int64(n)
	return n, err
}

// count advances the line count over chunk. When a line goes over the
// limit, it returns how much of chunk comes before that point, and the
// error.
func (w *window) count(chunk []byte) (int, error) {
	used := 0
	for {
		i := bytes.IndexByte(chunk[used:], '\n')
		seg := i
		if i < 0 {
			seg = len(chunk) - used
		}
		if w.lineLen+seg > w.max {
			// Cut where the line goes over, but on a rune boundary, so
			// encoding/csv never sees half a character.
			cut := used + w.max - w.lineLen
			for i := 1; i < utf8.UTFMax && cut > used && !utf8.RuneStart(chunk[cut]); i++ {
				cut--
			}
			return cut, &limitError{cause: ErrLineTooLong, line: w.lines + 1}
		}
		if i < 0 {
			w.lineLen += seg
			return len(chunk), nil
		}
		w.lines++
		w.lineLen = 0
		used += i + 1
	}
}

// compact drops the text before the mark once it is most of the buffer,
// so copying stays amortized constant per byte.
func (w *window) compact() {
	drop := int(w.mark - w.base)
	if drop < readAhead || drop < len(w.buf)/2 {
		return
	}
	w.buf = w.buf[:copy(w.buf, w.buf[drop:])]
	w.base = w.mark
}

// take returns the text from the mark to offset end (encoding/csv's
// InputOffset after a record) and moves the mark there. The slice is
// valid until the next Read.
func (w *window) take(end int64) []byte {
	from, to := w.mark-w.base, end-w.base
	w.mark = end
	if from < 0 || to > int64(len(w.buf)) || from > to {
		return nil
	}
	return w.buf[from:to]
}

// setMark moves the mark to offset end without returning the text.
func (w *window) setMark(end int64) { w.mark = end }

// utf8Scan tracks whether all the text passed so far is valid UTF-8, so
// that values need checking one by one only in files where it is not.
type utf8Scan struct {
	bad   bool
	carry [utf8.UTFMax]byte // a rune cut at the end of the last chunk
	n     int
}

// scan takes the next chunk of text; eof says there is no more.
func (v *utf8Scan) scan(b []byte, eof bool) {
	if v.bad {
		return
	}
	if v.n > 0 {
		k := 0
		for k < len(b) && !utf8.FullRune(v.carry[:v.n]) {
			v.carry[v.n] = b[k]
			v.n, k = v.n+1, k+1
		}
		if !utf8.FullRune(v.carry[:v.n]) {
			v.bad = eof
			return
		}
		if r, size := utf8.DecodeRune(v.carry[:v.n]); r == utf8.RuneError && size <= 1 {
			v.bad = true
			return
		}
		b, v.n = b[k:], 0
	}
	body := completeRunes(b, false)
	v.bad = !utf8.Valid(body) || (eof && len(body) < len(b))
	v.n = copy(v.carry[:], b[len(body):])
}
