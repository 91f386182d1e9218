package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/pipeline"
)

// testClock, when set by tests, replaces the wall clock of status and
// explain so their golden output is stable.
var testClock clock.Clock

func newStatusCmd() *cobra.Command {
	var asJSON bool
	var runs int
	cmd := &cobra.Command{
		Use:   "status PIPELINE.yaml",
		Short: "Show where a pipeline stands: last runs, records by state, quota used today",
		Long: `status reads the pipeline's checkpoint and sends no request: the last runs
(when, exit code, counts), how many records are synced, pending, failed or in
doubt, today's quota use of the API key (the key's variable when it is set,
else the key of the pipeline's last run: the ledger stores only a hash of
the key) and the checkpoint's location and size.`,
		Example: `  alexsync status pipelines/demo-import.yaml
  alexsync status nightly.yaml --json | jq .records`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runs < 1 {
				return usageError{fmt.Errorf("--runs %d: want at least 1", runs)}
			}
			p, err := config.LoadPipeline(args[0])
			if err != nil {
				return err
			}
			key, err := p.API.Key()
			if err != nil && !errors.Is(err, config.ErrNoKey) {
				return err
			}
			rep, err := pipeline.Status(cmd.Context(), p, pipeline.StatusOptions{Key: key, Runs: runs, Clock: testClock})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rep)
			}
			printStatus(cmd.OutOrStdout(), rep)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&runs, "runs", 10, "how many runs to show")
	return cmd
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printStatus(w io.Writer, r *pipeline.StatusReport) {
	fmt.Fprintf(w, "pipeline    %s\n", r.Pipeline)
	size := ""
	if r.SizeBytes > 0 {
		size = fmt.Sprintf(" (%s)", humanBytes(r.SizeBytes))
	}
	fmt.Fprintf(w, "checkpoint  %s%s\n", r.Checkpoint, size)
	fmt.Fprintf(w, "records     %d synced, %d pending, %d in flight, %d failed, %d in doubt\n",
		r.Records["synced"], r.Records["pending"], r.Records["in_flight"], r.Records["failed"], r.Records["in_doubt"])
	if r.Quota != nil {
		fmt.Fprintf(w, "quota       %d of %d requests used today (%s); resets %s\n", r.Quota.UsedDay, r.Quota.PerDay, r.Quota.Plan, r.Quota.ResetsAt.Format(time.RFC3339))
	} else {
		fmt.Fprintln(w, "quota       unknown: no run has sent a request yet")
	}
	if r.Cursor != "" {
		fmt.Fprintf(w, "cursor      %s\n", r.Cursor)
	}
	if len(r.Runs) == 0 {
		fmt.Fprintln(w, "runs        none yet")
		return
	}
	fmt.Fprintln(w, "runs")
	for _, run := range r.Runs {
		fmt.Fprintf(w, "  %s  %s\n", run.StartedAt.Format(time.RFC3339), runLine(run))
	}
}

func runLine(run pipeline.RunStatus) string {
	var b strings.Builder
	switch {
	case run.FinishedAt == nil && run.Crashed:
		b.WriteString("did not finish (crashed or killed)")
	case run.FinishedAt == nil:
		b.WriteString("running, or did not finish")
	default:
		fmt.Fprintf(&b, "exit %d after %s", *run.ExitCode, run.FinishedAt.Sub(run.StartedAt).Round(time.Second))
	}
	if run.DryRun {
		b.WriteString(", dry run")
	}
	var c map[string]any
	n := func(k string) int { f, _ := c[k].(float64); return int(f) }
	switch {
	case json.Unmarshal(run.Counts, &c) != nil || c == nil:
	case c["listed"] != nil: // a pull-calls or export-contacts run
		fmt.Fprintf(&b, ": listed %d, new %d, changed %d, written %d, %d list and %d detail requests",
			n("listed"), n("new"), n("changed"), n("written"), n("list_requests"), n("detail_requests"))
	default:
		fmt.Fprintf(&b, ": read %d, rejected %d, created %d, updated %d, deleted %d, adopted %d, refused %d, failed %d, in doubt %d",
			n("read"), n("rejected"), n("created"), n("updated"), n("deleted"), n("adopted"), n("refused"), n("failed"), n("in_doubt"))
		if d := n("dnc"); d > 0 {
			fmt.Fprintf(&b, ", marked do-not-call %d", d)
		}
	}
	return b.String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func newExplainCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "explain PIPELINE.yaml KEY",
		Short: "Show the history of one record: source row, normalized contact, remote id, every attempt",
		Long: `explain finds one record by its external key (or, for pipelines keyed by phone,
its E.164 phone) in the current source, shows the row as read and the contact as
it would be sent (with the phone's reason code), or why it is rejected; then what
the checkpoint recorded: state, remote id, and each attempt with its answer. It
sends no request. It prints the record's full values: it is for the person
looking, not for logs. Several key columns are written "a | b".`,
		Example: `  alexsync explain pipelines/demo-import.yaml 5003
  alexsync explain nightly.yaml +14155550123 --json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.LoadPipeline(args[0])
			if err != nil {
				return err
			}
			ex, err := pipeline.Explain(cmd.Context(), p, args[1], testClock)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), ex)
			}
			printExplain(cmd.OutOrStdout(), ex)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// quotedList shows a list as "a", "b" (none: -).
func quotedList(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	q := make([]string, len(l))
	for i, v := range l {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// quotedMap shows a map as key="value" pairs in key order (none: -).
func quotedMap(m map[string]string) string {
	if len(m) == 0 {
		return "-"
	}
	var q []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		q = append(q, k+"="+strconv.Quote(m[k]))
	}
	return strings.Join(q, ", ")
}

func printExplain(w io.Writer, ex *pipeline.Explanation) {
	fmt.Fprintf(w, "key         %s (pipeline %s)\n", strings.ReplaceAll(ex.Key, "\x1f", " | "), ex.Pipeline)
	if !ex.InSource {
		fmt.Fprintf(w, "source      not in %s now\n", ex.Source)
	} else {
		fmt.Fprintf(w, "source      %s, line %d\n", ex.Source, ex.Line)
		for _, f := range ex.Row {
			fmt.Fprintf(w, "  %-24s %q\n", f.Column, f.Value)
		}
	}
	if c := ex.Contact; c != nil {
		repairs := ""
		if len(c.PhoneRepairs) > 1 {
			repairs = " then " + strings.Join(c.PhoneRepairs[1:], ", ")
		}
		name := strings.TrimSpace(c.FirstName + " " + c.LastName)
		fmt.Fprintf(w, "contact     %s, %s [%s%s, %s]\n", name, c.Phone, c.PhoneReason, repairs, c.PhoneType)
		if c.Email != "" || c.Company != "" || c.Title != "" {
			fmt.Fprintf(w, "            email %q, company %q, title %q\n", c.Email, c.Company, c.Title)
		}
		if len(c.Tags) > 0 || len(c.Metadata) > 0 {
			fmt.Fprintf(w, "            tags %s, metadata %s\n", quotedList(c.Tags), quotedMap(c.Metadata))
		}
	}
	if r := ex.Rejected; r != nil {
		fmt.Fprintf(w, "rejected    %s: %s\n", r.Code, r.Message)
	}
	if c := ex.Checkpoint; c != nil {
		fmt.Fprintf(w, "checkpoint  %s", c.State)
		if c.RemoteID != "" {
			fmt.Fprintf(w, ", remote id %s (%s)", c.RemoteID, c.Origin)
		}
		if c.SyncedAt != nil {
			fmt.Fprintf(w, ", confirmed %s", c.SyncedAt.Format(time.RFC3339))
		}
		if c.LastError != "" {
			fmt.Fprintf(w, ", last error: %s", c.LastError)
		}
		fmt.Fprintln(w)
	} else if len(ex.Attempts) > 0 {
		fmt.Fprintln(w, "checkpoint  no record: its contact was deleted from the account (history below)")
	} else {
		fmt.Fprintln(w, "checkpoint  never sent")
	}
	for _, a := range ex.Attempts {
		fmt.Fprintf(w, "  %s  %-9s %s", a.At.Format(time.RFC3339), a.Action, a.Outcome)
		if a.Status != 0 {
			fmt.Fprintf(w, " (HTTP %d", a.Status)
			if a.RequestID != "" {
				fmt.Fprintf(w, ", request %s", a.RequestID)
			}
			fmt.Fprint(w, ")")
		}
		if a.Error != "" {
			fmt.Fprintf(w, ": %s", a.Error)
		}
		fmt.Fprintln(w)
	}
}
