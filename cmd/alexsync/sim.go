package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/alexsync/alexsync/pkg/plan"
	"github.com/alexsync/alexsync/pkg/redact"
	"github.com/alexsync/alexsync/pkg/sim"
)

// defaultSimKey is the API key the simulator accepts when none is given.
const defaultSimKey = "sk_test_alexsync"

// simFlags are the command-line settings of `alexsync sim`.
type simFlags struct {
	addr          string
	public        bool
	opts          sim.Options
	keys          []string
	readOnlyKeys  []string
	verbose       bool
	shutdownGrace time.Duration
}

func newSimCmd() *cobra.Command {
	f := &simFlags{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the built-in SmartAlex API simulator",
		Long: `sim serves a local SmartAlex API simulator under /v1 that follows the
contract strictly: validation, envelopes, per-key quotas with rate-limit
headers, newest-first pagination, late call fields and signed webhooks. It
can inject faults (500s, dropped connections, writes applied but answered
with an error) and scale time down so quota and late-field behaviour can be
exercised in seconds. Admin endpoints without auth live under /_sim/
(stats, reset, contacts, calls).

It prints one line with the base URL once it accepts connections. It binds
only loopback addresses unless --public is given, because it accepts any
listed key.`,
		Example: `  # the default key sk_test_alexsync, professional plan limits
  alexsync sim --addr 127.0.0.1:8089

  # scaled time: a 1s "minute", 5 requests per minute, 200 seeded calls
  alexsync sim --addr 127.0.0.1:0 --key sk_test_demo --minute 1s --per-minute 5 --calls 200

  # an unreliable API, with state kept across restarts
  alexsync sim --key sk_test_demo --fail-rate 0.05 --ambiguous-rate 0.02 --reset-rate 0.01 \
      --latency 20ms --seed 7 --state .alexsync/sim-state.json

  # then, from another shell
  curl -H 'Authorization: Bearer sk_test_demo' http://127.0.0.1:8089/v1/contacts`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("sim takes no arguments, got %q", args)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := f.options(cmd.ErrOrStderr())
			if err != nil {
				return usageError{err}
			}
			return runSim(cmd.Context(), cmd.OutOrStdout(), f, opts)
		},
	}
	f.bind(cmd)
	f.shutdownGrace = 5 * time.Second
	return cmd
}

// bind registers the flags of `alexsync sim` on cmd, writing into f.
func (f *simFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	o := &f.opts
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8089", "listen address (port 0 picks a free port)")
	fl.BoolVar(&f.public, "public", false, "allow binding a non-loopback address")
	fl.StringVar(&o.Plan, "plan", plan.Default, "plan whose limits apply: professional, dental or real_estate")
	fl.StringArrayVar(&f.keys, "key", nil, "accepted API key (repeatable; default "+defaultSimKey+")")
	fl.StringArrayVar(&f.readOnlyKeys, "read-only-key", nil, "accepted read-only API key (repeatable)")
	fl.IntVar(&o.PerMinute, "per-minute", 0, "requests per rolling minute per key (0 = the plan's)")
	fl.IntVar(&o.PerDay, "per-day", 0, "requests per day per key (0 = the plan's)")
	fl.IntVar(&o.ContactCap, "cap", 0, "contact cap (0 = the plan's)")
	fl.DurationVar(&o.Minute, "minute", sim.DefaultMinute, "length of the simulated minute (e.g. 1s to scale time)")
	fl.DurationVar(&o.Day, "day", 0, "length of the quota day (0 = 1440 minutes)")
	fl.Int64Var(&o.Seed, "seed", 1, "seed of every random choice")
	fl.Float64Var(&o.FailRate, "fail-rate", 0, "probability of a 500 before any change, in [0,1]")
	fl.Float64Var(&o.AmbiguousRate, "ambiguous-rate", 0, "probability a write is applied then answered 500 or dropped, in [0,1]")
	fl.Float64Var(&o.ResetRate, "reset-rate", 0, "probability of a dropped connection without a change, in [0,1]")
	fl.DurationVar(&o.Latency, "latency", 0, "mean added latency per request (jittered 0.5x..1.5x)")
	fl.StringVar(&o.Duplicates, "duplicates", sim.DefaultDuplicates, "allow or reject a phone held by another contact")
	fl.IntVar(&o.Calls, "calls", 0, "calls seeded over the last 3 days at start, linked to the existing contacts (added to a loaded --state; unlinked while there are no contacts)")
	fl.Float64Var(&o.CallRate, "call-rate", 0, "new calls per simulated minute")
	fl.DurationVar(&o.LateAfter, "late-after", 0, "delay before late call fields appear (0 = 5 minutes)")
	fl.StringVar(&o.Shapes, "shapes", sim.DefaultShapes, "JSON field names: new, old or mixed")
	fl.StringVar(&o.StatePath, "state", "", "file to load state from and save it to")
	fl.BoolVar(&f.verbose, "verbose", false, "log webhook delivery retries to stderr (failures are always logged)")
}

// options validates the flags and builds the simulator options.
func (f *simFlags) options(stderr io.Writer) (sim.Options, error) {
	o := f.opts
	if err := checkLoopback(f.addr, f.public); err != nil {
		return o, err
	}
	for name, v := range map[string]float64{"--fail-rate": o.FailRate, "--ambiguous-rate": o.AmbiguousRate, "--reset-rate": o.ResetRate} {
		if v < 0 || v > 1 {
			return o, fmt.Errorf("%s %v must be between 0 and 1", name, v)
		}
	}
	if o.Minute <= 0 {
		return o, fmt.Errorf("--minute %v must be positive", o.Minute)
	}
	for _, k := range f.keys {
		o.Keys = append(o.Keys, sim.Key{Key: k})
	}
	for _, k := range f.readOnlyKeys {
		o.Keys = append(o.Keys, sim.Key{Key: k, ReadOnly: true})
	}
	if len(f.keys) == 0 {
		o.Keys = append(o.Keys, sim.Key{Key: defaultSimKey})
	}
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	o.Logger = slog.New(redact.NewHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
	return o, o.Validate()
}

// checkLoopback refuses a non-loopback listen address unless public is set.
func checkLoopback(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if public || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %q is not a loopback address; the simulator accepts any listed key, pass --public to expose it", addr)
}

// runSim serves the simulator until ctx is done, then shuts down and saves.
func runSim(ctx context.Context, stdout io.Writer, f *simFlags, o sim.Options) error {
	srv, err := sim.New(o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	lim := srv.Limits()
	fmt.Fprintf(stdout, "SmartAlex simulator listening on http://%s/v1 (plan %s: %d/min, %d/day, %d contacts)\n",
		ln.Addr(), lim.Plan, lim.PerMinute, lim.PerDay, lim.ContactCap)
	if len(f.keys) == 0 {
		fmt.Fprintf(stdout, "API key: %s (default; set keys with --key)\n", defaultSimKey)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	runErr := make(chan error, 1)
	go func() { runErr <- srv.Run(runCtx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.shutdownGrace)
	defer cancel()
	if shutErr := hs.Shutdown(shutCtx); err == nil && shutErr != nil {
		err = shutErr
	}
	stopRun()
	if saveErr := <-runErr; saveErr != nil {
		err = errors.Join(err, saveErr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
