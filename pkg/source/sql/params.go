package sql

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CursorParam is the named parameter through which the reader hands
// Options.Cursor to the query: the query refers to it as @cursor.
const CursorParam = "cursor"

// dateLayout is the text form of DATE values and date-only cursors.
const dateLayout = "2006-01-02"

// paramNames returns the @name references gorm will substitute in query,
// in order, with repeats. It splits names where gorm's clause.NamedExpr
// does (space, comma, parenthesis, quotes, CR, LF, semicolon), so
// "@cursor::date" is the name "cursor::date", as gorm sees it. Unlike
// gorm it skips single-quoted literals, so an address such as
// 'x@example.com' is not taken for a parameter reference.
func paramNames(query string) []string {
	var (
		names   []string
		inQuote bool
		inName  bool
		name    []byte
	)
	end := func() {
		if inName && len(name) > 0 {
			names = append(names, string(name))
		}
		inName = false
	}
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case inQuote:
			inQuote = c != '\''
		case c == '\'':
			end()
			inQuote = true
		case c == '@' && !inName:
			inName, name = true, name[:0]
		case strings.IndexByte(" ,)\"`\r\n;", c) >= 0:
			end()
		case inName:
			name = append(name, c)
		}
	}
	end()
	return names
}

// buildParams checks the query's @name references against the options
// and returns the named parameters to pass, with the cursor added.
func buildParams(opts Options) (map[string]any, error) {
	refs := paramNames(opts.Query)
	if opts.CursorColumn == "" && opts.Cursor != "" {
		return nil, fmt.Errorf("sql source: a cursor %q is given but no cursor column", opts.Cursor)
	}
	params := maps.Clone(opts.Params)
	if opts.CursorColumn != "" {
		if _, taken := params[CursorParam]; taken {
			return nil, fmt.Errorf("sql source: parameter %q is reserved for the cursor of column %q", CursorParam, opts.CursorColumn)
		}
		if !slices.Contains(refs, CursorParam) {
			return nil, fmt.Errorf("sql source: cursor column %q is set but the query does not use @%s "+
				"(e.g. WHERE COALESCE(%s > @%s, TRUE); write casts as CAST(@%s AS type), not @%s::type)",
				opts.CursorColumn, CursorParam, opts.CursorColumn, CursorParam, CursorParam, CursorParam)
		}
		if params == nil {
			params = make(map[string]any, 1)
		}
		params[CursorParam] = cursorValue(opts.Cursor)
	}
	for _, n := range refs {
		if _, ok := params[n]; !ok {
			// Left alone, gorm would pass "@n" through to the server,
			// where MySQL reads it as an unset user variable: NULL, and
			// quietly no rows.
			return nil, fmt.Errorf("sql source: the query uses @%s but no parameter %q is given", n, n)
		}
	}
	if len(refs) == 0 {
		return nil, nil // unused parameters are not sent
	}
	if strings.Contains(opts.Query, "?") {
		// gorm binds each "?" to its next argument, the parameter map,
		// even inside literals and operators such as jsonb's ?.
		return nil, fmt.Errorf("sql source: the query mixes @name parameters with \"?\"; use @name only")
	}
	return params, nil
}

// cursorValue types a stored cursor for the query. A cursor is the text
// MaxCursor returned, so each form is recognised only when it is exactly
// what MaxCursor writes for that type:
//   - ""                                 -> nil (SQL NULL: the first run)
//   - canonical decimal integer ("42")   -> int64
//   - canonical decimal float ("4.5")    -> float64
//   - RFC 3339 ("2024-03-05T06:07:08Z")  -> time.Time
//   - a date ("2024-03-05")              -> time.Time, midnight UTC
//   - anything else ("0042", "abc")      -> string
func cursorValue(s string) any {
	if s == "" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
		return n
	}
	if strings.Contains(s, ".") {
		if f, err := strconv.ParseFloat(s, 64); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == s {
			return f
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse(dateLayout, s); err == nil {
		return t
	}
	return s
}
