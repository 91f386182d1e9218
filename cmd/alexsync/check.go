package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/plan"
	"github.com/alexsync/alexsync/pkg/redact"
	"github.com/alexsync/alexsync/pkg/smartalex"
)

func newCheckCmd() *cobra.Command {
	var api config.API
	var verbose bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check that the API is reachable and the key is accepted",
		Long: `check sends one request (the first page of contacts, one item) and reports
whether the key is accepted, how many contacts the account holds, and the
quota left this minute and today as the server reports it. It costs one
request of the day's quota.

The key is read from the environment variable named by --key-env (default
SMARTALEX_API_KEY) or from --key-file; it is never taken on the command line.
The API is --api-url when given, else SMARTALEX_API_URL, else the
production API (the same order as alexsync run).`,
		Example: `  export SMARTALEX_API_KEY=sk_live_...
  alexsync check

  # against the built-in simulator
  alexsync sim --addr 127.0.0.1:8089 --key sk_test_demo &
  SMARTALEX_API_KEY=sk_test_demo alexsync check --api-url http://127.0.0.1:8089/v1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			url := api.URL() // SMARTALEX_API_URL, else the default
			if cmd.Flags().Changed("api-url") {
				url = api.BaseURL // the flag wins, as in alexsync run
			}
			return runCheck(cmd, api, url, verbose)
		},
	}
	f := cmd.Flags()
	f.StringVar(&api.BaseURL, "api-url", smartalex.DefaultBaseURL, "API base URL")
	f.StringVar(&api.KeyEnv, "key-env", config.DefaultKeyEnv, "environment variable that holds the API key")
	f.StringVar(&api.KeyFile, "key-file", "", "file whose first line is the API key (instead of --key-env)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log each request (never the key)")
	return cmd
}

func runCheck(cmd *cobra.Command, api config.API, url string, verbose bool) error {
	key, err := api.Key()
	if err != nil {
		return usageError{err}
	}
	if w := api.KeyFileWarning(); w != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "alexsync: warning: %s\n", w)
	}
	logger := slog.New(slog.DiscardHandler)
	if verbose {
		logger = slog.New(redact.NewHandler(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	client, err := smartalex.NewClient(url, key, smartalex.WithLogger(logger),
		smartalex.WithUserAgent("alexsync/"+buildVersion()),
		smartalex.WithRetryPolicy(smartalex.RetryPolicy{MaxAttempts: 3}))
	if err != nil {
		return usageError{err}
	}
	source := "environment variable " + orDefault(api.KeyEnv, config.DefaultKeyEnv)
	if api.KeyFile != "" {
		source = "key file " + api.KeyFile
	}
	_, res, err := client.ListContacts(cmd.Context(), smartalex.ContactListOptions{ListOptions: smartalex.ListOptions{PerPage: 1}})
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "API       %s\n", client.BaseURL())
	if err != nil {
		if smartalex.IsUnauthorized(err) {
			return fmt.Errorf("the API refused the key from %s: %w", source, err)
		}
		return err
	}
	fmt.Fprintf(out, "key       accepted (from %s)\n", source)
	if res.Meta != nil {
		fmt.Fprintf(out, "contacts  %d in the account\n", res.Meta.Total)
	}
	printRate(out, res.Rate)
	return nil
}

func printRate(out io.Writer, r smartalex.Rate) {
	if !r.Known && !r.DailyKnown {
		fmt.Fprintln(out, "quota     the server sent no rate-limit headers")
		return
	}
	if r.Known {
		fmt.Fprintf(out, "minute    %d of %d requests left\n", r.Remaining, r.Limit)
	}
	if r.DailyKnown {
		fmt.Fprintf(out, "today     %d of %d requests left (resets 00:00 UTC)\n", r.DailyRemaining, r.DailyLimit)
	}
	for _, p := range plan.All() {
		if r.Known && r.DailyKnown && p.PerMinute == r.Limit && p.PerDay == r.DailyLimit {
			fmt.Fprintf(out, "plan      %s (contact cap %d)\n", p.Name, p.ContactCap)
		}
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
