package smartalex

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// MaxPerPage is the largest page the API serves; iterators always use it
// so that a full listing costs as few requests as possible.
const MaxPerPage = 100

// ListOptions selects one page of a list. Zero values take the server's
// defaults (page 1, 20 per page).
type ListOptions struct {
	Page    int
	PerPage int
}

func (o ListOptions) apply(q url.Values) {
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(o.PerPage))
	}
}

// pageFunc fetches one page of a list.
type pageFunc[T any] func(ctx context.Context, page, perPage int) ([]T, *Response, error)

// staleLimit is how many pages in a row may bring nothing new before
// paging stops early: a server that ignores the page parameter would
// otherwise be read forever, while records arriving faster than a page
// per request shift whole pages without ending the list.
const staleLimit = 3

// dedupePages is how many pages of ids paginate remembers, to drop the
// items that a page shifted by new arrivals repeats from the pages before.
const dedupePages = 10

// ErrListShifted is the last error of a listing that stopped early because
// records arrived faster than its pages could be read: the rest of the
// list was not read.
var ErrListShifted = errors.New("the list kept shifting while it was paged: stopped before its end")

// paginate yields every item of a list, page by page at MaxPerPage, newest
// first. Lists shift while records are added during paging (an item of
// page 1 moves to page 2), so an item already yielded from one of the
// last dedupePages pages is dropped; a reader that needs every item that
// arrived meanwhile reads again later. Memory holds those pages' ids, not
// the whole list's: only when more than dedupePages pages of records
// arrive between two requests may an item come twice (the staleness rule
// below ends such a listing soon anyway). Iteration stops after a short
// page, once the pages read cover meta.total, or after staleLimit pages in
// a row that brought nothing new (then ErrListShifted is yielded). An
// error is yielded once, as the last pair.
func paginate[T any](ctx context.Context, fetch pageFunc[T], id func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var seen recentIDs
		stale := 0
		for page := 1; ; page++ {
			items, res, err := fetch(ctx, page, MaxPerPage)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			seen.nextPage()
			fresh := 0
			for _, it := range items {
				if !seen.add(id(it)) {
					continue
				}
				fresh++
				if !yield(it, nil) {
					return
				}
			}
			if fresh == 0 {
				stale++
			} else {
				stale = 0
			}
			covered := res != nil && res.Meta != nil && res.Meta.Total > 0 && page*MaxPerPage >= res.Meta.Total
			if len(items) < MaxPerPage || covered {
				return
			}
			if stale >= staleLimit {
				// Records arrive faster than pages are read: what is left
				// was not read, and the reader must know it.
				var zero T
				yield(zero, fmt.Errorf("%w (%d pages read, the last %d with nothing new)", ErrListShifted, page, stale))
				return
			}
		}
	}
}

// recentIDs is the set of ids yielded from the last dedupePages pages.
type recentIDs struct {
	set   map[string]struct{}
	pages [dedupePages][]string // a ring, by page number
	cur   int
}

// nextPage starts a page, forgetting the ids of the page dedupePages ago.
func (r *recentIDs) nextPage() {
	if r.set == nil {
		r.set = make(map[string]struct{}, dedupePages*MaxPerPage)
	}
	r.cur = (r.cur + 1) % dedupePages
	for _, k := range r.pages[r.cur] {
		delete(r.set, k)
	}
	r.pages[r.cur] = r.pages[r.cur][:0]
}

// add records k on the current page; it reports false when k is already
// among the recent ids.
func (r *recentIDs) add(k string) bool {
	if _, dup := r.set[k]; dup {
		return false
	}
	r.set[k] = struct{}{}
	r.pages[r.cur] = append(r.pages[r.cur], k)
	return true
}
