package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/alexsync/alexsync/pkg/checkpoint"
	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/quota"
)

// StatusReport is where a pipeline stands (`alexsync status`).
type StatusReport struct {
	Pipeline   string         `json:"pipeline"`
	Checkpoint string         `json:"checkpoint"`
	SizeBytes  int64          `json:"size_bytes,omitempty"` // SQLite file and its WAL
	Runs       []RunStatus    `json:"runs"`
	Records    map[string]int `json:"records"` // by state: pending, in_flight, synced, failed, in_doubt
	Quota      *QuotaStatus   `json:"quota,omitempty"`
	Cursor     string         `json:"cursor,omitempty"`
}

// RunStatus is one past run.
type RunStatus struct {
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"` // nil: running, or crashed
	ExitCode   *int            `json:"exit_code,omitempty"`
	DryRun     bool            `json:"dry_run,omitempty"`
	Counts     json.RawMessage `json:"counts,omitempty"`
	Crashed    bool            `json:"crashed,omitempty"` // unfinished and not the newest
}

// QuotaStatus is today's use of the pipeline's API key.
type QuotaStatus struct {
	Plan     string    `json:"plan"`
	UsedDay  int       `json:"used_today"`
	PerDay   int       `json:"per_day"`
	ResetsAt time.Time `json:"resets_at"`
}

// StatusOptions: Key, when set, names the key whose quota of today the
// report shows; otherwise it is the key of the pipeline's last run (the
// checkpoint stores only its hash).
type StatusOptions struct {
	Key   string
	Runs  int // how many runs to show (default 10)
	Clock clock.Clock
}

// Status reads the pipeline's checkpoint; it sends no request.
func Status(ctx context.Context, p *config.Pipeline, opts StatusOptions) (*StatusReport, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Runs <= 0 {
		opts.Runs = 10
	}
	if !strings.Contains(p.Checkpoint, "://") {
		if _, err := os.Stat(p.Checkpoint); errors.Is(err, fs.ErrNotExist) {
			// Never run: say so without creating the checkpoint.
			rep := &StatusReport{Pipeline: p.Name, Checkpoint: p.Checkpoint, Runs: []RunStatus{}, Records: map[string]int{}}
			for _, st := range checkpoint.States {
				rep.Records[string(st)] = 0
			}
			return rep, nil
		}
	}
	store, err := openCheckpoint(ctx, p.Checkpoint, opts.Clock)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	rep := &StatusReport{Pipeline: p.Name, Checkpoint: store.Location(), Runs: []RunStatus{}, Records: map[string]int{}}
	if sz, ok := store.(interface {
		SizeBytes(context.Context) (int64, error)
	}); ok {
		if rep.SizeBytes, err = sz.SizeBytes(ctx); err != nil {
			return nil, err
		}
	} else {
		rep.SizeBytes = fileSize(p.Checkpoint) + fileSize(p.Checkpoint+"-wal")
	}
	runs, err := store.LastRuns(ctx, p.Name, opts.Runs)
	if err != nil {
		return nil, err
	}
	for i, r := range runs {
		rep.Runs = append(rep.Runs, runStatus(r, i == 0))
	}
	counts, err := store.CountByState(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	for _, st := range checkpoint.States {
		rep.Records[string(st)] = counts[st]
	}
	if rep.Cursor, _, err = store.Cursor(ctx, p.Name, "source"); err != nil {
		return nil, err
	}
	hash := ""
	if opts.Key != "" {
		hash = keyHash(opts.Key)
	} else if hash, _, err = store.Meta(ctx, p.Name, metaKeyHash); err != nil {
		return nil, err
	}
	if hash != "" {
		if rep.Quota, err = quotaStatus(ctx, store, p, hash, opts.Clock); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

func runStatus(r checkpoint.Run, newest bool) RunStatus {
	rs := RunStatus{StartedAt: r.StartedAt.UTC(), DryRun: r.DryRun}
	if !r.FinishedAt.IsZero() {
		f, code := r.FinishedAt.UTC(), r.ExitCode
		rs.FinishedAt, rs.ExitCode = &f, &code
	} else {
		rs.Crashed = !newest // a newer run started after it: it never finished
	}
	if r.Counts != "" && r.Counts != "null" {
		rs.Counts = json.RawMessage(r.Counts)
	}
	return rs
}

// quotaStatus reads today's use of the key whose hash is given.
func quotaStatus(ctx context.Context, store checkpoint.Store, p *config.Pipeline, hash string, clk clock.Clock) (*QuotaStatus, error) {
	l, err := p.API.Limits()
	if err != nil {
		return nil, configError{err}
	}
	now := clk.Now()
	used, err := store.QuotaUsed(ctx, hash, dayName(now, l.Day))
	if err != nil {
		return nil, err
	}
	_, end := quota.DayIndex(now, l.Day)
	return &QuotaStatus{Plan: l.Plan, UsedDay: used, PerDay: l.PerDay, ResetsAt: end}, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
