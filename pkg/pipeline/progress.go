package pipeline

import (
	"log/slog"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
)

// quotaTime is how long n requests take at the quotas: whole minute
// windows after the first, and whole days past the daily budget.
func quotaTime(n int, l config.Limits) time.Duration {
	if n <= l.PerMinute || l.PerMinute <= 0 {
		return 0
	}
	d := time.Duration((n-1)/l.PerMinute) * l.Minute
	if l.PerDay > 0 && n > l.PerDay {
		d += time.Duration((n-1)/l.PerDay) * l.Day
	}
	return d
}

// logProgress writes a log line at every 10% of the tasks, with the rate
// so far and an ETA that is the later of the rate's and the quota's.
type logProgress struct {
	log      *slog.Logger
	clock    clock.Clock
	total    int
	done     int
	notSent  int // deferred: done without a request
	next     int
	start    time.Time
	estimate time.Duration
}

func (p *logProgress) Start(total int, estimate time.Duration) {
	p.total, p.estimate, p.start = total, estimate, p.clock.Now()
	p.next = max(1, total/10)
	p.log.Info("sending", "requests", total, "estimate", estimate.Round(time.Second).String())
}

func (p *logProgress) Done(outcome string) {
	p.done++
	if outcome == "deferred" {
		p.notSent++
	}
	if p.done < p.next && p.done != p.total {
		return
	}
	p.next += max(1, p.total/10)
	elapsed := p.clock.Now().Sub(p.start)
	p.log.Info("progress", "done", p.done, "of", p.total, "not_sent", p.notSent, "elapsed", elapsed.Round(time.Second).String(), "eta", ETA(p.done, p.total, elapsed, p.estimate).Round(time.Second).String())
}

func (p *logProgress) Finish() {}

// ETA estimates the time left: the rate so far, but never less than what
// the quota estimate says is left (a run that has not yet hit the minute
// window would otherwise promise too much).
func ETA(done, total int, elapsed, estimate time.Duration) time.Duration {
	if done <= 0 || done >= total {
		return 0
	}
	byRate := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
	byQuota := estimate - elapsed
	return max(byRate, byQuota, 0)
}
