package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
	"github.com/alexsync/alexsync/pkg/plan"
)

// Defaults applied by New to zero-valued Options fields.
const (
	// DefaultMinute is the length of the rate-limit minute.
	DefaultMinute = 60 * time.Second
	// DefaultDuplicates lets two contacts hold the same phone, as the API does.
	DefaultDuplicates = "allow"
	// DefaultShapes makes responses use the newer field names.
	DefaultShapes = "new"
	// DefaultSaveEvery is how often Run saves state when StatePath is set.
	DefaultSaveEvery = 30 * time.Second
	// DefaultTenantID is the tenant_id carried by webhook deliveries.
	DefaultTenantID = "tenant_sim"
)

// Key is one API key the simulator accepts.
type Key struct {
	// Key is the bearer token, e.g. "sk_test_alexsync".
	Key string
	// ReadOnly keys get 403 forbidden on POST, PATCH, PUT and DELETE.
	ReadOnly bool
}

// Options configures a Server. The zero value of every field except Keys
// has a documented default; New validates the rest.
type Options struct {
	// Plan names the pricing plan whose limits apply (default "professional").
	Plan string
	// Keys lists the accepted API keys; at least one is required.
	Keys []Key
	// PerMinute overrides the plan's requests per rolling minute (0 = plan's).
	PerMinute int
	// PerDay overrides the plan's requests per day (0 = plan's).
	PerDay int
	// ContactCap overrides the plan's contact cap (0 = plan's).
	ContactCap int
	// Minute is the length of the rolling rate-limit window and the unit of
	// CallRate (default 60s; use e.g. 1s to scale time down in tests).
	Minute time.Duration
	// Day is the length of the daily quota window (default 1440*Minute).
	// The day index is floor(now.UnixNano()/Day), so with Day=24h the
	// window resets at 00:00 UTC.
	Day time.Duration
	// Seed seeds every random choice: faults, generated calls, latency jitter.
	Seed int64
	// FailRate is the probability of a 500 server_error before any change.
	FailRate float64
	// AmbiguousRate is the probability that a successful write is applied
	// and then answered with a 500 or a dropped connection.
	AmbiguousRate float64
	// ResetRate is the probability that a request's connection is dropped
	// without an answer and without a change.
	ResetRate float64
	// Latency delays each /v1 request by a uniformly jittered 0.5x..1.5x
	// of this value, waiting on Clock (default 0: no delay).
	Latency time.Duration
	// Duplicates is "allow" (default) or "reject": whether a create or
	// update may give a contact a phone another contact already holds.
	Duplicates string
	// Calls is the number of calls New seeds, ending at random times over
	// the last 3*Day, after loading StatePath when it exists (so each start
	// with a state file adds Calls more). Each is linked to an existing
	// contact, picked at random, when there is one; with no contact at all
	// its contact_id is null and New logs a warning.
	Calls int
	// CallRate is the number of new calls arriving per simulated Minute.
	CallRate float64
	// LateAfter is the delay after a call's end before summary, sentiment,
	// transcript and recording_url appear (default 5*Minute).
	LateAfter time.Duration
	// Shapes selects the generation of JSON field names in responses:
	// "new" (default), "old" or "mixed" (chosen per record from its id).
	Shapes string
	// StatePath, when set, is loaded by New if it exists and saved by Run
	// every SaveEvery and on shutdown.
	StatePath string
	// SaveEvery is how often Run saves state (default 30s of real time).
	SaveEvery time.Duration
	// Clock is the time source (default clock.Real{}).
	Clock clock.Clock
	// Logger receives operational messages (default: discarded).
	Logger *slog.Logger
	// HTTPClient sends webhook deliveries (default: a client with a 10s timeout).
	HTTPClient *http.Client
}

// limits are the effective quotas after applying plan and overrides.
type limits struct {
	plan       string
	perMinute  int
	perDay     int
	contactCap int
}

// withDefaults validates o and returns a copy with defaults filled in.
func (o Options) withDefaults() (Options, limits, error) {
	p, err := plan.Lookup(o.Plan)
	if err != nil {
		return o, limits{}, err
	}
	o.Plan = p.Name
	if err := o.validate(); err != nil {
		return o, limits{}, err
	}
	lim := limits{plan: p.Name, perMinute: p.PerMinute, perDay: p.PerDay, contactCap: p.ContactCap}
	if o.PerMinute > 0 {
		lim.perMinute = o.PerMinute
	}
	if o.PerDay > 0 {
		lim.perDay = o.PerDay
	}
	if o.ContactCap > 0 {
		lim.contactCap = o.ContactCap
	}
	if o.Minute == 0 {
		o.Minute = DefaultMinute
	}
	if o.Day == 0 {
		o.Day = 1440 * o.Minute
	}
	if o.LateAfter == 0 {
		o.LateAfter = 5 * o.Minute
	}
	if o.Duplicates == "" {
		o.Duplicates = DefaultDuplicates
	}
	if o.Shapes == "" {
		o.Shapes = DefaultShapes
	}
	if o.SaveEvery == 0 {
		o.SaveEvery = DefaultSaveEvery
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return o, lim, nil
}

// Validate reports the first invalid field of o without applying defaults:
// no keys, an empty key, an unknown plan, a rate outside [0,1], a negative
// count or duration, or an unknown Duplicates or Shapes value.
func (o Options) Validate() error {
	if _, err := plan.Lookup(o.Plan); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	return o.validate()
}

func (o Options) validate() error {
	if len(o.Keys) == 0 {
		return errors.New("sim: at least one API key is required")
	}
	for i, k := range o.Keys {
		if k.Key == "" {
			return fmt.Errorf("sim: key %d is empty", i)
		}
	}
	for name, v := range map[string]float64{"FailRate": o.FailRate, "AmbiguousRate": o.AmbiguousRate, "ResetRate": o.ResetRate} {
		if v < 0 || v > 1 {
			return fmt.Errorf("sim: %s %v is outside [0,1]", name, v)
		}
	}
	for name, v := range map[string]int{"PerMinute": o.PerMinute, "PerDay": o.PerDay, "ContactCap": o.ContactCap, "Calls": o.Calls} {
		if v < 0 {
			return fmt.Errorf("sim: %s %d is negative", name, v)
		}
	}
	for name, v := range map[string]time.Duration{"Minute": o.Minute, "Day": o.Day, "Latency": o.Latency, "LateAfter": o.LateAfter, "SaveEvery": o.SaveEvery} {
		if v < 0 {
			return fmt.Errorf("sim: %s %v is negative", name, v)
		}
	}
	if o.CallRate < 0 {
		return fmt.Errorf("sim: CallRate %v is negative", o.CallRate)
	}
	if o.Duplicates != "" && o.Duplicates != "allow" && o.Duplicates != "reject" {
		return fmt.Errorf("sim: Duplicates %q is not allow or reject", o.Duplicates)
	}
	switch o.Shapes {
	case "", "new", "old", "mixed":
	default:
		return fmt.Errorf("sim: Shapes %q is not new, old or mixed", o.Shapes)
	}
	return nil
}

// Limits are the quotas in force: the plan's, with the Options overrides.
type Limits struct {
	Plan       string
	PerMinute  int
	PerDay     int
	ContactCap int
}

// Limits returns the quotas the server enforces.
func (s *Server) Limits() Limits {
	return Limits{Plan: s.lim.plan, PerMinute: s.lim.perMinute, PerDay: s.lim.perDay, ContactCap: s.lim.contactCap}
}
