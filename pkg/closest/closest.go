// Package closest finds the name a user probably meant: the candidate
// nearest a misspelled one, for "did you mean" hints.
package closest

import "strings"

// Match returns the candidate closest to name, ignoring case, spaces,
// underscores, dashes and dots, and whether it is close enough to be what
// was meant (at most a third of the letters, and at least 2, differ).
func Match(name string, candidates []string) (string, bool) {
	key := Squash(name)
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := Distance(key, Squash(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best, best != "" && bestD <= max(2, len(key)/3)
}

// Squash lowercases s and drops the separators people vary: spaces,
// underscores, dashes, dots and tabs.
func Squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-', '.', '\t':
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// Distance is the Levenshtein edit distance between a and b (bytes).
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
