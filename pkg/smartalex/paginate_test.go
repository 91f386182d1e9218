package smartalex

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestPaginateEnds(t *testing.T) {
	full := func(prefix string) []string {
		ids := make([]string, MaxPerPage)
		for i := range ids {
			ids[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return ids
	}
	tests := []struct {
		name      string
		page      func(n int) []string
		wantItems int
		wantErr   error
	}{
		{"a short page ends the list", func(n int) []string {
			if n == 1 {
				return full("a")
			}
			return []string{"b1"}
		}, MaxPerPage + 1, nil},
		{"pages that only repeat (a list shifting faster than it is read) end it with an error", func(n int) []string {
			return full("a") // the same page again and again
		}, MaxPerPage, ErrListShifted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fetch := func(_ context.Context, page, _ int) ([]string, *Response, error) { return tc.page(page), nil, nil }
			items, err := 0, error(nil)
			for _, e := range paginate(context.Background(), fetch, func(s string) string { return s }) {
				if e != nil {
					err = e
					continue
				}
				items++
			}
			if items != tc.wantItems || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("%d items, err %v; want %d, %v", items, err, tc.wantItems, tc.wantErr)
			}
		})
	}
}
