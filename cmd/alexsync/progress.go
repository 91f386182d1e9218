package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/alexsync/alexsync/pkg/pipeline"
)

// isTerminal reports whether w is a terminal (the progress bar is drawn
// only there; elsewhere progress goes to the log).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// barProgress draws a progress bar with counts and an ETA that includes
// the quota's waits (pipeline.ETA).
type barProgress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar
	total    int
	done     int
	start    time.Time
	estimate time.Duration
}

func (p *barProgress) Start(total int, estimate time.Duration) {
	p.total, p.estimate, p.start = total, estimate, time.Now()
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("sending"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
	)
}

func (p *barProgress) Done(string) {
	p.done++
	eta := pipeline.ETA(p.done, p.total, time.Since(p.start), p.estimate)
	p.bar.Describe(fmt.Sprintf("sending, %s left", eta.Round(time.Second)))
	_ = p.bar.Add(1)
}

func (p *barProgress) Finish() {
	if p.done < p.total {
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}
