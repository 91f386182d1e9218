// Package config turns pipeline and mapping files, and the environment,
// into typed, validated settings. It is the only package that reads
// environment variables; every other package takes structs.
package config

import (
	"time"

	"errors"
	"fmt"
	"github.com/alexsync/alexsync/pkg/plan"
	"os"
	"strings"
)

// Environment variables alexsync reads.
const (
	// EnvAPIURL overrides the API base URL of every pipeline.
	EnvAPIURL = "SMARTALEX_API_URL"
	// DefaultKeyEnv is the variable the API key is read from by default.
	DefaultKeyEnv = "SMARTALEX_API_KEY"
)

// API says where the SmartAlex API is and where its key comes from. The
// key itself is never part of a configuration file: it is read from the
// environment variable KeyEnv, or from the file KeyFile.
type API struct {
	BaseURL string `yaml:"base_url"` // default: SMARTALEX_API_URL, then the production URL
	KeyEnv  string `yaml:"key_env"`  // default: SMARTALEX_API_KEY
	KeyFile string `yaml:"key_file"` // a file holding the key (first line); wins over KeyEnv
	Plan    string `yaml:"plan"`     // default: professional

	Workers    int `yaml:"workers"`     // concurrent requests (default 4)
	PerMinute  int `yaml:"per_minute"`  // overrides the plan's requests per minute
	PerDay     int `yaml:"per_day"`     // overrides the plan's requests per day
	ContactCap int `yaml:"contact_cap"` // overrides the plan's contact cap

	// Minute and Day are the lengths of the quota windows: 1m and 24h
	// against the real API. They exist for the simulator's scaled time
	// (`alexsync sim --minute 1s`); Day defaults to 1440 Minutes.
	Minute time.Duration `yaml:"minute"`
	Day    time.Duration `yaml:"day"`

	// InFlightSettle is how long a write a stopped run left in flight may
	// still be underway at the server (default: one minute, the scaled
	// minute with Minute). Before looking such a write up by phone, a run
	// waits until it is that old, so that a create the server applies
	// late is found, not sent again.
	InFlightSettle time.Duration `yaml:"in_flight_settle"`
}

// Limits are the quotas a pipeline paces itself by: the plan's, with the
// pipeline's overrides.
type Limits struct {
	Plan       string
	PerMinute  int
	PerDay     int
	ContactCap int
	Minute     time.Duration
	Day        time.Duration
	Settle     time.Duration // see API.InFlightSettle
}

// Limits resolves the plan and its overrides.
func (a API) Limits() (Limits, error) {
	p, err := plan.Lookup(a.Plan)
	if err != nil {
		return Limits{}, err
	}
	l := Limits{Plan: p.Name, PerMinute: p.PerMinute, PerDay: p.PerDay, ContactCap: p.ContactCap, Minute: time.Minute, Day: 24 * time.Hour}
	if a.PerMinute > 0 {
		l.PerMinute = a.PerMinute
	}
	if a.PerDay > 0 {
		l.PerDay = a.PerDay
	}
	if a.ContactCap > 0 {
		l.ContactCap = a.ContactCap
	}
	if a.Minute > 0 {
		l.Minute = a.Minute
		l.Day = 1440 * a.Minute
	}
	if a.Day > 0 {
		l.Day = a.Day
	}
	l.Settle = l.Minute
	if a.InFlightSettle > 0 {
		l.Settle = a.InFlightSettle
	}
	return l, nil
}

// ErrNoKey is matched by the error Key returns when no key is configured.
var ErrNoKey = errors.New("no API key")

// Key returns the API key from KeyFile or the environment variable. The
// error names where it looked, never the key.
func (a API) Key() (string, error) {
	if a.KeyFile != "" {
		b, err := os.ReadFile(a.KeyFile)
		if err != nil {
			return "", fmt.Errorf("%w: reading key file: %v", ErrNoKey, err)
		}
		key, _, _ := strings.Cut(string(b), "\n")
		if key = strings.TrimSpace(key); key == "" {
			return "", fmt.Errorf("%w: key file %s is empty", ErrNoKey, a.KeyFile)
		}
		return key, nil
	}
	name := a.KeyEnv
	if name == "" {
		name = DefaultKeyEnv
	}
	key := strings.TrimSpace(os.Getenv(name))
	if key == "" {
		return "", fmt.Errorf("%w: environment variable %s is not set (export %s=sk_...; the key never goes in a pipeline file)", ErrNoKey, name, name)
	}
	return key, nil
}

// KeyFileWarning says, when the key file can be read by other users of
// the machine, how to fix it; "" otherwise (or with no key file).
func (a API) KeyFileWarning() string {
	if a.KeyFile == "" {
		return ""
	}
	fi, err := os.Stat(a.KeyFile)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("key file %s can be read by other users (mode %04o): chmod 600 %s", a.KeyFile, fi.Mode().Perm(), a.KeyFile)
}

// URL returns the API base URL: SMARTALEX_API_URL when set, else BaseURL,
// else "" (the client's production default). The variable wins so that
// one environment can point every pipeline at a simulator or a proxy.
func (a API) URL() string {
	if v := strings.TrimSpace(os.Getenv(EnvAPIURL)); v != "" {
		return v
	}
	return a.BaseURL
}

// lookupEnv is the one place this package reads a variable by name.
func lookupEnv(name string) string { return os.Getenv(name) }
