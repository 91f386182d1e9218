// Package plan holds the SmartAlex plan table: the per-minute and per-day
// request quotas and the contact cap of each plan. The simulator enforces
// it and pipelines pace themselves by it.
package plan

import (
	"fmt"
	"slices"
	"strings"
)

// Plan is one SmartAlex plan's limits. All limits are per API key except
// ContactCap, which is per account.
type Plan struct {
	Name       string
	PerMinute  int // requests in any rolling 60 s
	PerDay     int // requests per UTC day
	ContactCap int // contacts the account may hold
}

// Default is the plan assumed when none is named: the smallest one.
const Default = "professional"

var plans = []Plan{
	{Name: "professional", PerMinute: 60, PerDay: 10_000, ContactCap: 1_000},
	{Name: "dental", PerMinute: 300, PerDay: 50_000, ContactCap: 5_000},
	{Name: "real_estate", PerMinute: 600, PerDay: 100_000, ContactCap: 50_000},
}

// All returns every known plan, smallest first.
func All() []Plan { return slices.Clone(plans) }

// Names returns the known plan names, smallest first.
func Names() []string {
	names := make([]string, len(plans))
	for i, p := range plans {
		names[i] = p.Name
	}
	return names
}

// Lookup returns the plan called name (case-insensitive; "real-estate" is
// accepted for "real_estate"). An empty name means Default.
func Lookup(name string) (Plan, error) {
	if name == "" {
		name = Default
	}
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	for _, p := range plans {
		if p.Name == n {
			return p, nil
		}
	}
	return Plan{}, fmt.Errorf("unknown plan %q (known plans: %s)", name, strings.Join(Names(), ", "))
}
