// Command benchtable reads `go test -bench` output on stdin and prints a
// Markdown table with the median of every metric of every benchmark, so
// that `make bench` gives numbers that a noisy, shared machine cannot
// skew with one slow run.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// result is every sample of one benchmark, by metric unit.
type result struct {
	name    string
	pkg     string
	samples map[string][]float64
	units   []string // in first-seen order
}

func main() {
	results, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if len(results) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results on stdin")
		os.Exit(1)
	}
	render(os.Stdout, results)
}

// parse collects benchmark lines; "pkg:" lines name the package of the
// lines that follow.
func parse(r io.Reader) ([]*result, error) {
	var out []*result
	byName := map[string]*result{}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimSpace(p), "github.com/alexsync/alexsync/")
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // drop the GOMAXPROCS suffix
		}
		key := pkg + "." + name
		res := byName[key]
		if res == nil {
			res = &result{name: strings.TrimPrefix(name, "Benchmark"), pkg: pkg, samples: map[string][]float64{}}
			byName[key] = res
			out = append(out, res)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			unit := f[i+1]
			if _, ok := res.samples[unit]; !ok {
				res.units = append(res.units, unit)
			}
			res.samples[unit] = append(res.samples[unit], v)
		}
	}
	return out, sc.Err()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func render(w io.Writer, results []*result) {
	fmt.Fprintln(w, "| package | benchmark | runs | median | other medians |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range results {
		var main string
		var others []string
		for _, u := range r.units {
			cell := format(median(r.samples[u]), u)
			if main == "" {
				main = cell
				continue
			}
			others = append(others, cell)
		}
		runs := len(r.samples[r.units[0]])
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s |\n", r.pkg, r.name, runs, main, strings.Join(others, ", "))
	}
}

// format prints a metric readably: ns/op as a duration, others as is.
func format(v float64, unit string) string {
	if unit == "ns/op" {
		switch {
		case v >= 1e9:
			return fmt.Sprintf("%.2f s/op", v/1e9)
		case v >= 1e6:
			return fmt.Sprintf("%.2f ms/op", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.2f µs/op", v/1e3)
		}
		return fmt.Sprintf("%.0f ns/op", v)
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), unit)
	}
	return fmt.Sprintf("%.3g %s", v, unit)
}
