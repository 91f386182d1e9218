package main

import (
	"encoding/json"
	"fmt"
	"github.com/alexsync/alexsync/pkg/fileout"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/pipeline"
)

func newValidateCmd() *cobra.Command {
	var normalized, report string
	cmd := &cobra.Command{
		Use:   "validate PIPELINE.yaml",
		Short: "Read the source through mapping and phone normalization, with zero API requests",
		Long: `validate reads the whole source of a push-contacts pipeline through its mapping
and phone normalization, exactly as run would, and sends nothing. It prints
the counts (read, valid, repaired, rejected by reason, duplicates) and the
first rejects, and writes every rejected row to the pipeline's rejects file
in the input's own format, with _row, _error_code and _error_message added.

Exit codes: 0 every row is valid; 4 some rows were rejected; 2 the pipeline
or mapping does not fit the source; 1 anything else.`,
		Example: `  alexsync validate pipelines/demo-import.yaml
  alexsync validate nightly.yaml --normalized out/contacts.csv --report out/validate.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.LoadPipeline(args[0])
			if err != nil {
				return err
			}
			if normalized != "" {
				if abs, err := filepath.Abs(normalized); err == nil {
					normalized = abs // the report names every file absolutely
				}
			}
			sum, err := pipeline.Validate(cmd.Context(), p, pipeline.ValidateOptions{Normalized: normalized})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if report == "-" {
				out = cmd.ErrOrStderr() // the report owns stdout
			}
			printValidate(out, sum)
			if report != "" {
				if err := writeReport(report, sum, cmd.OutOrStdout()); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			}
			if sum.Rejected > 0 {
				return exitStatus(ExitRowErrors)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&normalized, "normalized", "", "write the contacts as they would be sent to this CSV file")
	cmd.Flags().StringVar(&report, "report", "", "write the summary as JSON to this file (- for stdout)")
	return cmd
}

func printValidate(w io.Writer, s *pipeline.ValidateSummary) {
	fmt.Fprintf(w, "source     %s\n", s.Source)
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "warning    %s\n", warn)
	}
	fmt.Fprintf(w, "read       %s\n", plural(s.Read, "row"))
	fmt.Fprintf(w, "valid      %d\n", s.Valid)
	fmt.Fprintf(w, "repaired   %d%s\n", s.Repaired, breakdown(s.RepairedBy))
	fmt.Fprintf(w, "rejected   %d%s\n", s.Rejected, breakdown(s.RejectedBy))
	fmt.Fprintf(w, "duplicates %d\n", s.Duplicates)
	if len(s.FirstRejects) > 0 {
		fmt.Fprintln(w, "first rejects:")
		for _, r := range s.FirstRejects {
			col := ""
			if r.Column != "" {
				col = fmt.Sprintf(" [%s]", r.Column)
			}
			fmt.Fprintf(w, "  line %d%s %s: %s\n", r.Line, col, r.Code, r.Message)
		}
	}
	if s.Rejects != "" {
		fmt.Fprintf(w, "rejects    %s\n", s.Rejects)
	}
	if s.Normalized != "" {
		fmt.Fprintf(w, "normalized %s\n", s.Normalized)
	}
}

// breakdown formats counts by reason as " (a 3, b 1)", largest first.
func breakdown(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// writeReport writes v as indented JSON: to stdout for "-"; straight
// into an existing file that is not a regular one (a pipe, /dev/stdout);
// otherwise atomically (temp file and rename), readable by the owner only.
func writeReport(path string, v any, stdout io.Writer) error {
	if path == "-" {
		// One line: a log collector reads it as one record.
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = stdout.Write(append(b, '\n'))
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return fileout.Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
