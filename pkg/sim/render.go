package sim

import (
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Paging defaults of the contract.
const (
	defaultPerPage = 20
	maxPerPage     = 100
)

// timestamp formats t as RFC 3339 UTC with second precision.
func timestamp(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// nullableTime is the timestamp, or nil (JSON null) for the zero time.
func nullableTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return timestamp(t)
}

// nullable is s, or nil (JSON null) when s is empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// oldShape reports whether the record with this id is served with the
// older field names: always for "old", never for "new", and for "mixed"
// by a hash of the id, so a record keeps its shape across requests.
func (s *Server) oldShape(id string) bool {
	switch s.opts.Shapes {
	case "old":
		return true
	case "mixed":
		h := fnv.New32a()
		h.Write([]byte(id))
		return h.Sum32()%2 == 1
	}
	return false
}

// pageParams parses page (from 1) and per_page (default 20, above 100
// clamped to 100); a non-numeric or non-positive value is a 400.
func pageParams(v url.Values) (page, per int, bad *reply) {
	page, per = 1, defaultPerPage
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"per_page", &per}} {
		raw, ok := v[p.name]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(raw[0])
		if err != nil || n < 1 {
			return 0, 0, badRequest("%s %q must be a positive integer", p.name, raw[0])
		}
		*p.dst = n
	}
	return page, min(per, maxPerPage), nil
}

// onPage reports whether the n-th match (from 1) falls on the page.
func onPage(n, page, per int) bool {
	return n > (page-1)*per && n <= page*per
}

// listReply builds the list envelope; data is never null.
func listReply(items []any, total, page, per int) reply {
	if items == nil {
		items = []any{}
	}
	return reply{status: http.StatusOK, body: map[string]any{
		"data": items,
		"meta": map[string]any{"total": total, "page": page, "per_page": per},
	}}
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }
func itoa(n int) string                     { return strconv.Itoa(n) }
