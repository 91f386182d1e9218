package sql

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// kind is what a column holds, from its database type name. It decides
// how text the driver returns is read (MySQL sends most values as bytes)
// and whether a time is written as a date.
type kind int

const (
	kindText kind = iota
	kindInt
	kindFloat
	kindTime
	kindDate
)

// columnKind classifies a DatabaseTypeName as reported by mattn/go-sqlite3
// (the declared type), pgx ("INT8", "TIMESTAMPTZ") or go-sql-driver/mysql
// ("UNSIGNED BIGINT", "DATETIME"). Unknown names, DECIMAL and NUMERIC
// among them, are text: their digits are kept exactly as sent.
func columnKind(dbType string) kind {
	t := strings.ToUpper(strings.TrimSpace(dbType))
	t = strings.TrimPrefix(t, "UNSIGNED ")
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "DATE":
		return kindDate
	case "DATETIME", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE":
		return kindTime
	case "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT", "INT2", "INT4", "INT8", "YEAR":
		return kindInt
	case "REAL", "FLOAT", "DOUBLE", "DOUBLE PRECISION", "FLOAT4", "FLOAT8":
		return kindFloat
	}
	return kindText
}

// textTimeLayouts read times sent as text: MySQL without parseTime=true,
// SQLite values its driver could not parse.
var textTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", dateLayout}

// normalize turns a driver value into nil, string, int64, uint64,
// float64, bool or time.Time, reading text by the column's kind. Text
// that does not parse as its kind stays text (MySQL's zero date, say).
func normalize(v any, k kind) any {
	switch x := v.(type) {
	case nil, int64, float64, bool, time.Time:
		return x
	case []byte:
		return parseText(string(x), k)
	case string:
		return parseText(x, k)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return x
	case float32:
		// Through its shortest decimal form, so FLOAT 0.1 reads "0.1".
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'f', -1, 32), 64)
		return f
	}
	return fmt.Sprint(v)
}

func parseText(s string, k kind) any {
	switch k {
	case kindInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n // above MaxInt64
		}
	case kindFloat:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case kindTime, kindDate:
		for _, layout := range textTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t
			}
		}
	}
	return s
}

// format writes a normalized value as the reader returns it: NULL as "",
// integers exactly, floats in their shortest decimal form, times as RFC
// 3339 in UTC and DATE columns as 2006-01-02.
func format(v any, k kind) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if k == kindDate {
			// In the value's own zone: a date must not move a day.
			return x.Format(dateLayout)
		}
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// compare orders two non-nil normalized cursor values: times by instant,
// numbers by value, anything else (or a mix) by its text, byte by byte.
func compare(a, b any, k kind) int {
	switch x := a.(type) {
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case uint64:
			return -1 // a uint64 is normalized only above MaxInt64
		case float64:
			return cmp.Compare(float64(x), y)
		}
	case uint64:
		switch y := b.(type) {
		case uint64:
			return cmp.Compare(x, y)
		case int64:
			return 1
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmp.Compare(x, y)
		case int64:
			return cmp.Compare(x, float64(y))
		}
	}
	return strings.Compare(format(a, k), format(b, k))
}
