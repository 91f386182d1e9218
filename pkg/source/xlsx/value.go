package xlsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// converter turns stored cells into the text a person sees in Excel,
// normalised: exact digits for numbers, RFC 3339 for dates.
type converter struct {
	sst      *sharedStrings
	dates    dateStyles
	date1904 bool
}

// values lays the cells of a row out by column, at least width wide.
func (c converter) values(cells []cell, width int) ([]string, error) {
	n := width
	for _, cl := range cells {
		n = max(n, cl.col+1)
	}
	vals := make([]string, n)
	for _, cl := range cells {
		v, err := c.value(cl)
		if err != nil {
			return nil, err
		}
		vals[cl.col] = v
	}
	return vals, nil
}

// value converts one cell by its type (the t attribute).
func (c converter) value(cl cell) (string, error) {
	switch cl.typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(cl.value))
		if err != nil {
			return "", fmt.Errorf("%w: invalid shared string index %q", ErrMalformed, cl.value)
		}
		s, ok := c.sst.get(i)
		if !ok {
			return "", fmt.Errorf("%w: shared string %d does not exist", ErrMalformed, i)
		}
		return s, nil
	case "inlineStr", "str":
		return unescapeXstring(cl.value), nil
	case "e":
		return cl.value, nil
	case "b":
		switch strings.TrimSpace(cl.value) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return cl.value, nil
	case "d":
		return isoDate(cl.value), nil
	}
	if c.dates.isDate(cl.style) {
		return serialDate(cl.value, c.date1904), nil
	}
	return formatNumber(cl.value), nil
}

// formatNumber writes a stored number the way it should be typed back:
// integers as plain digits (never exponent notation, never a trailing
// ".0"), decimals with the fewest digits that read back as the same
// float64. Integers written out in full in the file are copied digit for
// digit at any size; integers stored in exponent form are exact up to
// 2^53 (9,007,199,254,740,992) and beyond that carry float64's 15-17
// significant digits followed by zeros, which is what Excel itself keeps
// (it stores numbers as doubles). Text that is not a number is returned
// unchanged.
func formatNumber(raw string) string {
	s := strings.TrimSpace(raw)
	if isInteger(s) {
		return canonicalInteger(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return raw
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func isInteger(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// canonicalInteger drops a plus sign and leading zeros ("-0" is "0").
func canonicalInteger(s string) string {
	neg := s[0] == '-'
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	s = strings.TrimLeft(s, "0")
	switch {
	case s == "":
		return "0"
	case neg:
		return "-" + s
	}
	return s
}

// Serial day numbers Excel can show as dates: day 1 up to 9999-12-31.
const (
	maxSerial = 2958466
	dayLayout = "2006-01-02"
	timeStamp = "2006-01-02T15:04:05Z"
	timeOfDay = "15:04:05"
)

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC) // for serials from 61 on
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// serialDate converts a date cell's serial number to RFC 3339: a date
// ("2026-01-15"), a date and time rounded to the second
// ("2026-01-15T14:30:00Z", UTC because Excel stores no zone), or, for a
// serial below 1 (a time of day with no date), the time alone
// ("14:30:00"). In the 1900 system serials below 61 are shifted by Excel's
// fictitious 1900-02-29 (serial 60, which has no RFC 3339 form and is
// returned as a number, as are negative and out-of-range serials).
func serialDate(raw string, date1904 bool) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || f < 0 || f >= maxSerial || math.IsNaN(f) {
		return formatNumber(raw)
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	if secs >= 86400 {
		days, secs = days+1, 0
	}
	if days == 0 {
		return time.Time{}.Add(time.Duration(secs) * time.Second).Format(timeOfDay)
	}
	epoch := epoch1904
	if !date1904 {
		switch {
		case days == 60:
			return formatNumber(raw)
		case days < 60:
			days++ // before the fictitious leap day the 1899-12-30 epoch is one day off
		}
		epoch = epoch1900
	}
	t := epoch.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	if secs == 0 {
		return t.Format(dayLayout)
	}
	return t.Format(timeStamp)
}

// isoDate normalises an ISO 8601 date cell (t="d") the same way; text
// that does not parse is returned unchanged.
func isoDate(raw string) string {
	s := strings.TrimSpace(raw)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", dayLayout} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.UTC().Round(time.Second)
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return t.Format(dayLayout)
		}
		return t.Format(timeStamp)
	}
	return raw
}

// trimHeader trims each name of space and a byte-order mark and drops
// trailing blank columns.
func trimHeader(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "\uFEFF"))
	}
	n := len(out)
	for n > 0 && out[n-1] == "" {
		n--
	}
	return out[:n]
}

// unescapeXstring decodes the _xHHHH_ escapes Excel writes for characters
// XML cannot carry (a carriage return is _x000D_; a literal "_x" sequence
// is itself escaped as _x005F_x...).
func unescapeXstring(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	var units []uint16
	flush := func() {
		b.WriteString(string(utf16.Decode(units)))
		units = units[:0]
	}
	for i := 0; i < len(s); {
		if u, ok := xEscape(s[i:]); ok {
			units = append(units, u)
			i += 7
			continue
		}
		flush()
		b.WriteByte(s[i])
		i++
	}
	flush()
	return b.String()
}

// xEscape parses an _xHHHH_ escape at the start of s.
func xEscape(s string) (uint16, bool) {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return 0, false
	}
	u, err := strconv.ParseUint(s[2:6], 16, 16)
	return uint16(u), err == nil
}
