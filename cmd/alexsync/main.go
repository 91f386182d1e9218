// Command alexsync moves contacts into SmartAlex and call data out of it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/pipeline"
)

func main() {
	ctx, stop := signalContext(os.Stderr)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// signalContext returns a context cancelled by the first SIGINT or
// SIGTERM: commands stop taking work, finish or journal what is in flight,
// and exit 130. A second signal exits at once; the checkpoint's journal
// keeps the next run safe even then.
func signalContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sig; !ok {
			return
		}
		fmt.Fprintln(stderr, "alexsync: stopping: finishing the requests in flight (press Ctrl-C again to exit at once)")
		cancel()
		if _, ok := <-sig; ok {
			fmt.Fprintln(stderr, "alexsync: exiting at once; the next run reconciles what was in flight")
			os.Exit(ExitInterrupted)
		}
	}()
	return ctx, func() { signal.Stop(sig); close(sig); cancel() }
}

// execute runs the command line args and returns the process exit code.
// It is main without the process, so tests can drive the whole CLI.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetVersionTemplate("alexsync {{.Version}}\n")
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	// cobra reports an unknown command with an untyped error, recognizable
	// only by its text.
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		// cobra's text ends in "\n\nDid you mean this?\n\trun\n": one line.
		msg, hint, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n\nDid you mean this?\n")
		if hint = strings.Join(strings.Fields(hint), ", "); hint != "" {
			msg += "; did you mean " + hint + "?"
		}
		err = usageError{fmt.Errorf("%s (see alexsync --help)", msg)}
	}
	var st exitStatus
	if err != nil && !errors.As(err, &st) {
		fmt.Fprintf(stderr, "alexsync: %v\n", err)
	}
	return exitCode(err)
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:     "alexsync",
		Version: fmt.Sprintf("%s (%s, %s/%s)", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH),
		Short:   "Sync contacts into SmartAlex and pull call data out of it",
		Long: `alexsync moves contacts from CSV, XLSX or SQL into the SmartAlex voice-AI
platform, sending only what changed and staying inside the API quotas, and
pulls call records back out for reporting.`,
		Example: `  # try everything against the built-in simulator
  alexsync sim --addr 127.0.0.1:8089 --key sk_test_demo &
  SMARTALEX_API_KEY=sk_test_demo alexsync run pipelines/demo-import.yaml \
      --api-url http://127.0.0.1:8089/v1 --dry-run

  # the nightly sync, with a machine-readable report
  alexsync run nightly.yaml --quiet --report out/nightly.json`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Shell completion stays available (alexsync completion bash) but out of
	// the command list, which keeps to what a run needs.
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newVersionCmd(), newSimCmd(), newCheckCmd(), newValidateCmd(), newRunCmd(), newStatusCmd(), newExplainCmd())
	for _, c := range root.Commands() {
		if c.Args != nil {
			c.Args = usageArgs(c.Args)
		}
	}
	return root
}

// usageArgs makes a wrong number of arguments a usage error (exit 2) that
// points to the command's help.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{fmt.Errorf("%s %s: %w (see alexsync %s --help)", cmd.Root().Name(), cmd.Name(), err, cmd.Name())}
		}
		return nil
	}
}

// Exit codes. They are part of the command-line contract, documented in
// the README, and mapped from errors in exactly one place: exitCode.
const (
	ExitOK          = int(pipeline.OutcomeOK)
	ExitFatal       = int(pipeline.OutcomeFatal)
	ExitUsage       = 2
	ExitQuota       = int(pipeline.OutcomeQuota)
	ExitRowErrors   = int(pipeline.OutcomeRowErrors)
	ExitGuard       = int(pipeline.OutcomeGuard)
	ExitInterrupted = int(pipeline.OutcomeInterrupted)
)

// exitStatus is returned by a command that already reported its outcome
// and only needs the process to exit with this code.
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// usageError marks a bad command line or configuration (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	var ue usageError
	var st exitStatus
	var fe *config.FileError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &st):
		return int(st)
	case errors.As(err, &ue), errors.As(err, &fe), errors.Is(err, pipeline.ErrConfig), errors.Is(err, config.ErrNoKey):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	default:
		return ExitFatal
	}
}
