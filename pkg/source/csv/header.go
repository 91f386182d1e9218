package csv

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/alexsync/alexsync/pkg/record"
)

// maxWarnings bounds Warnings, so a file with a problem on every row keeps
// memory flat.
const maxWarnings = 100

type warnings struct {
	msgs    []string
	dropped int
}

func (w *warnings) add(format string, args ...any) {
	if len(w.msgs) >= maxWarnings {
		w.dropped++
		return
	}
	w.msgs = append(w.msgs, fmt.Sprintf(format, args...))
}

func (w *warnings) list() []string {
	out := append([]string(nil), w.msgs...)
	if w.dropped > 0 {
		out = append(out, fmt.Sprintf("... and %d more warnings", w.dropped))
	}
	return out
}

// cleanHeader trims each name of space and BOMs, names an empty column
// "Column N" (1-based), and warns about both repairs and about names that
// collide (record.Header lookups use the first of them).
func cleanHeader(fields []string, w *warnings) []string {
	names := make([]string, len(fields))
	first := make(map[string]int, len(fields))
	for i, f := range fields {
		n := strings.TrimFunc(f, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
		if n == "" {
			n = fmt.Sprintf("Column %d", i+1)
			w.add("header: column %d has no name; it is called %q", i+1, n)
		}
		names[i] = n
		k := record.FoldName(n)
		if j, dup := first[k]; dup {
			w.add("header: columns %d and %d are both named %q; lookups by name use column %d", j+1, i+1, n, j+1)
			continue
		}
		first[k] = i
	}
	return names
}
