package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/pipeline"
	"github.com/alexsync/alexsync/pkg/redact"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

// runFlags are the flags of `alexsync run`.
type runFlags struct {
	dryRun      bool
	workers     int
	maxRequests int
	report      string
	apiURL      string
	yes         bool
	quiet       bool
	verbose     bool
	logFormat   string
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run PIPELINE.yaml",
		Short: "Run a pipeline: send SmartAlex only what changed since the last run",
		Long: `run reads the pipeline's source, maps and normalizes every row, compares it with
the checkpoint of earlier runs, and sends only the creates, updates (changed
fields only) and deletes, through a bounded worker pool paced to the plan's
per-minute and per-day quotas. Every write is journaled in the checkpoint:
marked in flight before it is sent, confirmed after the API answered, so a run
that stops (crash, quota, Ctrl-C) resumes exactly where it stopped, without
duplicates.

The API key is read from the environment variable named by api.key_env
(default SMARTALEX_API_KEY) or from api.key_file; never from the command line.

Exit codes:
  0    all done
  1    fatal error (bad key, unreachable API, checkpoint unwritable)
  2    usage or configuration error
  3    stopped at a quota (daily budget or --max-requests); run again to resume
  4    done, but some rows were rejected or failed (see the rejects file), or
       the plan's contact cap left creates unsent
  5    a guard tripped: nothing was sent (too many rejects, changes or
       deletes, a source far smaller than last time, an empty source)
  130  interrupted`,
		Example: `  # what would be sent, with zero API requests
  alexsync run pipelines/demo-import.yaml --dry-run

  # the nightly run, with a JSON report for monitoring
  export SMARTALEX_API_KEY=sk_live_...
  alexsync run nightly.yaml --report /var/log/alexsync/nightly.json

  # against the built-in simulator
  alexsync run pipelines/demo-import.yaml --api-url http://127.0.0.1:8089/v1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runPipeline(cmd, args[0], f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.dryRun, "dry-run", false, "plan only: print what would be sent, send nothing")
	fl.IntVar(&f.workers, "workers", 0, "concurrent requests (default: the pipeline's api.workers)")
	fl.IntVar(&f.maxRequests, "max-requests", 0, "stop after this many API requests (exit 3; the next run resumes)")
	fl.StringVar(&f.report, "report", "", "write the run report as JSON to this file (- for stdout); written for every outcome")
	fl.StringVar(&f.apiURL, "api-url", "", "API base URL (overrides api.base_url and SMARTALEX_API_URL)")
	fl.BoolVar(&f.yes, "yes", false, "allow more deletes than deletes.max, more changes than guards.max_change_ratio, and a source that shrank")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but errors")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "log every request (never the key, phones or emails)")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	return cmd
}

func runPipeline(cmd *cobra.Command, path string, f runFlags) error {
	if f.logFormat != "text" && f.logFormat != "json" {
		return usageError{fmt.Errorf("--log-format %q: want text or json", f.logFormat)}
	}
	if f.workers < 0 || f.workers > 64 || f.maxRequests < 0 {
		return usageError{fmt.Errorf("--workers must be 1..64 and --max-requests not negative")}
	}
	if fi, err := os.Stat(f.report); f.report != "" && f.report != "-" && err == nil && fi.IsDir() {
		return usageError{fmt.Errorf("--report %s is a directory: name a file, such as %s", f.report, filepath.Join(f.report, "report.json"))}
	}
	started := time.Now().UTC()
	p, err := config.LoadPipeline(path)
	if err != nil {
		return failureReport(f, &pipeline.RunSummary{Pipeline: path, DryRun: f.dryRun, StartedAt: started}, err, cmd.OutOrStdout())
	}
	// With --report -, the report owns stdout and the summary goes to stderr.
	out := cmd.OutOrStdout()
	if f.report == "-" {
		out = cmd.ErrOrStderr()
	}
	bar := !f.quiet && !f.verbose && f.logFormat == "text" && isTerminal(cmd.ErrOrStderr())
	opts := pipeline.RunOptions{DryRun: f.dryRun, Workers: f.workers, MaxRequests: f.maxRequests, APIURL: f.apiURL, Yes: f.yes,
		Logger: newLogger(cmd.ErrOrStderr(), f, bar)}
	if bar {
		opts.Progress = &barProgress{w: cmd.ErrOrStderr()}
	}
	failed := &pipeline.RunSummary{Pipeline: p.Name, Kind: p.Kind, DryRun: f.dryRun, StartedAt: started}
	if !f.dryRun {
		if opts.Key, err = p.API.Key(); err != nil {
			return failureReport(f, failed, err, cmd.OutOrStdout())
		}
		if w := p.API.KeyFileWarning(); w != "" {
			opts.Logger.Warn(w)
		}
		// A bad URL is a usage error even on a night with nothing to send.
		if err := smartalex.CheckBaseURL(orDefault(f.apiURL, p.API.URL())); err != nil {
			return failureReport(f, failed, usageError{err}, cmd.OutOrStdout())
		}
	}
	sum, runErr := pipeline.Run(cmd.Context(), p, opts)
	if smartalex.IsUnauthorized(runErr) {
		// The API's answer alone, not the layers it went through.
		var answer *smartalex.APIError
		if errors.As(runErr, &answer) {
			runErr = answer
		}
		runErr = fmt.Errorf("the API refused the key from %s (expired or revoked?): %w", keySource(p.API), runErr)
	}
	if sum == nil || (runErr != nil && sum.Plan == nil && sum.Pull == nil) {
		// Nothing was planned: the error says it all.
		if sum != nil {
			failed = sum
		}
		return failureReport(f, failed, runErr, cmd.OutOrStdout())
	}
	if runErr != nil {
		sum.Error = redact.Text(runErr.Error())
	}
	if !f.quiet {
		printRun(out, sum)
	}
	var reportErr error
	if f.report != "" {
		reportErr = writeReport(f.report, sum, cmd.OutOrStdout())
	}
	switch {
	case runErr != nil || sum.ExitCode != pipeline.OutcomeOK:
		// The run's outcome is the exit code; a report that could not be
		// written is said, not allowed to hide it.
		if reportErr != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "alexsync: report: %v\n", reportErr)
		}
		if runErr != nil {
			return runErr
		}
		return exitStatus(sum.ExitCode)
	case reportErr != nil:
		return fmt.Errorf("the run succeeded, but its report could not be written: %w", reportErr)
	}
	return nil
}

// keySource names where the key was read from, never the key.
func keySource(a config.API) string {
	if a.KeyFile != "" {
		return "key file " + a.KeyFile
	}
	return "environment variable " + orDefault(a.KeyEnv, config.DefaultKeyEnv)
}

// newLogger logs to w: errors only with --quiet, every request with
// --verbose, warnings only while a progress bar is drawn (info lines would
// tear it), info otherwise. Every line is masked by redact.NewHandler: no
// log line carries a full phone number or email, even a raw API error.
func newLogger(w io.Writer, f runFlags, bar bool) *slog.Logger {
	level := slog.LevelInfo
	switch {
	case f.quiet:
		level = slog.LevelError
	case f.verbose:
		level = slog.LevelDebug
	case bar:
		level = slog.LevelWarn
	}
	o := &slog.HandlerOptions{Level: level}
	if f.logFormat == "json" {
		return slog.New(redact.NewHandler(slog.NewJSONHandler(w, o)))
	}
	return slog.New(redact.NewHandler(slog.NewTextHandler(w, o)))
}

func printRun(w io.Writer, s *pipeline.RunSummary) {
	c := s.Counts
	mode := ""
	if s.DryRun {
		mode = ", dry run: nothing sent"
	}
	fmt.Fprintf(w, "pipeline   %s (%s%s)\n", s.Pipeline, s.Kind, mode)
	if s.Pull != nil {
		printPull(w, s)
		return
	}
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "warning    %s\n", warn)
	}
	fmt.Fprintf(w, "source     %s read, %d rejected, %d duplicates\n", plural(c.Read, "row"), c.Rejected, c.Duplicates)
	if p := s.Plan; p != nil {
		fmt.Fprintf(w, "plan       %d to create, %d to update, %d unchanged, %d gone from the source", c.Create, c.Update, c.Unchanged, c.Delete)
		if p.Reconcile > 0 {
			fmt.Fprintf(w, " (%d left in flight by the last run, reconciled first)", p.Reconcile)
		}
		fmt.Fprintln(w)
		if p.SettingsChanged {
			fmt.Fprintf(w, "           the mapping or phone settings changed since the last run: %d contacts are re-sent\n", p.Resend)
		}
		switch {
		case p.Adopting && p.FirstRun:
			fmt.Fprintln(w, "           first run: the account's contacts are listed once and matching phones adopted, not duplicated")
		case p.Adopting:
			fmt.Fprintln(w, "           adopt: always: the account's contacts are listed and matching phones adopted, not duplicated")
		}
		fmt.Fprintf(w, "           %s\n", p.Estimate)
		for _, fc := range p.Samples {
			fmt.Fprintf(w, "           update %s (line %d) %s: %q -> %q\n", fc.Key, fc.Line, fc.Field, fc.From, fc.To)
		}
	}
	if !s.DryRun {
		dnc := ""
		if c.DNC > 0 {
			dnc = fmt.Sprintf(", %d marked do-not-call", c.DNC)
		}
		fmt.Fprintf(w, "sent       %d created, %d updated, %d adopted, %d reconciled, %d deleted%s; %d refused by the API, %d failed, %d in doubt, %d not sent\n",
			c.Created, c.Updated, c.Adopted, c.Reconciled, c.Deleted, dnc, c.Refused, c.Failed, c.InDoubt, c.Deferred)
		fmt.Fprintf(w, "requests   %d%s, %d retries, %d rate limited\n", s.Requests.Total, breakdownParen(s.Requests.ByStatus), s.Requests.Retries, s.Requests.RateLimited)
		fmt.Fprintf(w, "quota      %d of %d requests used today (%s: %d/min)\n", s.Quota.UsedToday, s.Quota.PerDay, s.Quota.Plan, s.Quota.PerMinute)
	}
	for _, r := range s.Rejects[:min(5, len(s.Rejects))] {
		fmt.Fprintf(w, "reject     line %d %s: %s\n", r.Line, r.Code, r.Message)
	}
	if more := s.Counts.Rejected + s.Counts.Refused - min(5, len(s.Rejects)); more > 0 && s.Outputs.Rejects != "" {
		fmt.Fprintf(w, "           ... and %d more in the rejects file\n", more)
	}
	if s.Outputs.Rejects != "" {
		fmt.Fprintf(w, "rejects    %s\n", s.Outputs.Rejects)
	}
	fmt.Fprintf(w, "checkpoint %s\n", s.Outputs.Checkpoint)
	if s.Stopped != "" {
		fmt.Fprintf(w, "stopped    %s\n", redact.Text(s.Stopped))
	}
	fmt.Fprintf(w, "exit       %d (%s)\n", int(s.ExitCode), outcomeText(s.ExitCode))
}

func printPull(w io.Writer, s *pipeline.RunSummary) {
	p := s.Pull
	what := "calls"
	if s.Kind == "export-contacts" {
		what = "contacts"
	}
	since := ""
	if p.From != "" {
		since = " that started since " + p.From
	}
	if s.Kind == "export-contacts" {
		// A full snapshot every run: no new or changed to tell apart.
		fmt.Fprintf(w, "listed     %d %s\n", p.Listed, what)
	} else {
		fmt.Fprintf(w, "listed     %d %s%s: %d new, %d changed, %d unchanged\n", p.Listed, what, since, p.New, p.Changed, p.Unchanged)
	}
	fmt.Fprintf(w, "written    %d to %s\n", p.Written, p.Output)
	fmt.Fprintf(w, "requests   %d: %d list, %d detail (%d failed), %d retries, %d rate limited\n",
		s.Requests.Total, p.ListRequests, p.DetailRequests, p.DetailFailed, s.Requests.Retries, s.Requests.RateLimited)
	fmt.Fprintf(w, "quota      %d of %d requests used today (%s: %d/min)\n", s.Quota.UsedToday, s.Quota.PerDay, s.Quota.Plan, s.Quota.PerMinute)
	fmt.Fprintf(w, "checkpoint %s\n", s.Outputs.Checkpoint)
	if s.Stopped != "" {
		fmt.Fprintf(w, "stopped    %s\n", redact.Text(s.Stopped))
	}
	fmt.Fprintf(w, "exit       %d (%s)\n", int(s.ExitCode), outcomeText(s.ExitCode))
}

// plural says n things: "1 row", "2 rows".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func breakdownParen(m map[string]int) string {
	b := breakdown(m)
	return strings.ReplaceAll(b, " (", " (status ")
}

func outcomeText(o pipeline.Outcome) string {
	switch o {
	case pipeline.OutcomeOK:
		return "all done"
	case pipeline.OutcomeQuota:
		return "stopped at a quota; run again to resume"
	case pipeline.OutcomeRowErrors:
		return "done, some rows rejected or failed"
	case pipeline.OutcomeGuard:
		return "a guard tripped; nothing was sent"
	case pipeline.OutcomeInterrupted:
		return "interrupted"
	}
	return "fatal error"
}

// failureReport writes a report for a run that ended before it planned
// anything (a configuration error, a refused key, the run lock held, a
// signal while reading), so that a scheduler never reads an older report
// as tonight's. It returns err, which the caller exits with.
func failureReport(f runFlags, sum *pipeline.RunSummary, err error, stdout io.Writer) error {
	if f.report == "" || err == nil {
		return err
	}
	sum.FinishedAt = time.Now().UTC()
	sum.ExitCode = pipeline.Outcome(exitCode(err))
	sum.Error = redact.Text(err.Error())
	if werr := writeReport(f.report, sum, stdout); werr != nil {
		return fmt.Errorf("%w (and the report could not be written: %v)", err, werr)
	}
	return err
}
