package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseAndRender(t *testing.T) {
	in := `goos: linux
pkg: github.com/alexsync/alexsync/pkg/quota
BenchmarkWindow-2   	 1000	      1200 ns/op	      16 B/op	       1 allocs/op
BenchmarkWindow-2   	 1000	      1000 ns/op	      16 B/op	       1 allocs/op
BenchmarkWindow-2   	 1000	      5000 ns/op	      16 B/op	       1 allocs/op
pkg: github.com/alexsync/alexsync/pkg/sim
BenchmarkCreate-2   	  100	   2500000 ns/op	   400.5 req/s
PASS
`
	res, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	render(&out, res)
	want := `| package | benchmark | runs | median | other medians |
|---|---|---|---|---|
| pkg/quota | Window | 3 | 1.20 µs/op | 16 B/op, 1 allocs/op |
| pkg/sim | Create | 1 | 2.50 ms/op | 400 req/s |
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestMedianEven(t *testing.T) {
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Fatalf("median = %v, want 2.5", got)
	}
}
