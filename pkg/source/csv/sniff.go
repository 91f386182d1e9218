package csv

import (
	"bufio"
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
)

const (
	sniffBytes = 32 << 10 // how much decoded text the sniffer looks at
	sniffLines = 50       // and at most how many records
)

// candidates are the delimiters sniffed, in order of preference on a tie.
var candidates = []rune{',', ';', '\t', '|'}

// skipLines consumes the n physical lines above the header.
func skipLines(text *bufio.Reader, name string, n, maxLine int) error {
	for i := range n {
		size := 0
		for {
			chunk, err := text.ReadSlice('\n')
			size += len(chunk)
			if size > maxLine {
				return fmt.Errorf("%s: line %d: %w: over %d bytes, the longest line a CSV source may have (is the file really CSV?)", name, i+1, ErrLineTooLong, maxLine)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				if i == 0 && size == 0 {
					return fmt.Errorf("%s: %w", name, ErrEmpty)
				}
				if size > 0 {
					i++ // a last line without a newline
				}
				return fmt.Errorf("%s: no header on line %d: the file has only %d lines", name, n+1, i)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			break
		}
	}
	return nil
}

// sniffDialect looks at the text from the header on, without consuming
// it, for the line ending and (unless forced) the delimiter.
func sniffDialect(text *bufio.Reader, name string, forced rune) (Dialect, error) {
	sample, err := text.Peek(sniffBytes)
	whole := errors.Is(err, io.EOF)
	if err != nil && !whole {
		return Dialect{}, fmt.Errorf("%s: %w", name, err)
	}
	nl := bytes.IndexByte(sample, '\n')
	if cr := bytes.IndexByte(sample, '\r'); nl < 0 && cr >= 0 && cr < len(sample)-1 {
		return Dialect{}, fmt.Errorf("%s: lines end in a bare CR (classic Mac); save the file with LF or CRLF line endings", name)
	}
	d := Dialect{Delimiter: forced, CRLF: nl > 0 && sample[nl-1] == '\r'}
	if d.Delimiter == 0 {
		d.Delimiter = sniffDelimiter(sample, whole)
	}
	return d, nil
}

// sniffDelimiter picks the candidate that splits the sample into the most
// consistent field count above one, parsing quotes as encoding/csv does so
// that delimiters inside quoted values do not count. It prefers a
// delimiter whose header has the usual field count, then the most
// consistent, then the most fields, then the earlier candidate; ',' when
// nothing splits (a one-column file).
func sniffDelimiter(sample []byte, whole bool) rune {
	best, bestScore := ',', sniffScore{}
	for _, d := range candidates {
		if s := scoreDelimiter(sample, d, whole); s.beats(bestScore) {
			best, bestScore = d, s
		}
	}
	return best
}

type sniffScore struct {
	headerFits  bool    // the first record has the most common count
	consistency float64 // share of records with the most common count
	fields      int     // the most common count
}

func (s sniffScore) beats(o sniffScore) bool {
	if s.headerFits != o.headerFits {
		return s.headerFits
	}
	if s.consistency != o.consistency {
		return s.consistency > o.consistency
	}
	return s.fields > o.fields
}

func scoreDelimiter(sample []byte, d rune, whole bool) sniffScore {
	cr := stdcsv.NewReader(bytes.NewReader(sample))
	cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord, cr.ReuseRecord = d, true, -1, true
	var counts []int
	for len(counts) < sniffLines {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		counts = append(counts, len(rec))
	}
	if !whole && len(counts) > 1 {
		counts = counts[:len(counts)-1] // the sample may cut the last record
	}
	freq := map[int]int{}
	mode := 0
	for _, c := range counts {
		freq[c]++
		if freq[c] > freq[mode] || (freq[c] == freq[mode] && c > mode) {
			mode = c
		}
	}
	if mode <= 1 {
		return sniffScore{}
	}
	return sniffScore{
		headerFits:  counts[0] == mode,
		consistency: float64(freq[mode]) / float64(len(counts)),
		fields:      mode,
	}
}
