package smartalex

import (
	"context"
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

// paginate yields every item of a list, page by page at MaxPerPage, newest
// first. Lists shift while records are added during paging (an item of
// page 1 moves to page 2), so items are deduplicated by id; a reader that
// needs every item that arrived meanwhile reads again later. Iteration
// stops after a short page, once the pages read cover meta.total, or after
// staleLimit pages in a row that brought nothing new. An error is yielded
// once, as the last pair.
func paginate[T any](ctx context.Context, fetch pageFunc[T], id func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		seen := make(map[string]struct{})
		stale := 0
		for page := 1; ; page++ {
			items, res, err := fetch(ctx, page, MaxPerPage)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			fresh := 0
			for _, it := range items {
				k := id(it)
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
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
			if len(items) < MaxPerPage || stale >= staleLimit || covered {
				return
			}
		}
	}
}
