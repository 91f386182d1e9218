package sim

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexsync/alexsync/pkg/clock"
)

func TestSeedCalls(t *testing.T) {
	const firstCalls = 5 // seeded by the run that saved the state, before any contact
	tests := []struct {
		name       string
		contacts   int // contacts in the saved state; -1: no state file
		calls      int
		wantLinked bool
		wantWarn   bool
	}{
		{"fresh start without contacts", -1, 20, false, true},
		{"state with contacts", 3, 20, true, false},
		{"state without contacts", 0, 20, false, true},
		{"state with contacts and no calls", 3, 0, true, false},
		{"fresh start and no calls", -1, 0, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			before := map[string]bool{}
			contacts := map[string]bool{}
			if tc.contacts >= 0 {
				e := newEnv(t, Options{StatePath: path, Calls: firstCalls})
				for i := range tc.contacts {
					contacts[e.createContact(fmt.Sprintf(`{"first_name":"C%d","phone":"+1415555010%d"}`, i, i))] = true
				}
				for _, c := range e.allCalls("") {
					before[c["id"].(string)] = true
				}
				if err := e.srv.Save(path); err != nil {
					t.Fatal(err)
				}
			}
			now := t0.Add(36 * time.Hour) // the restart: the seeded span follows the new now
			var logs bytes.Buffer
			e := newEnv(t, Options{StatePath: path, Calls: tc.calls, Clock: clock.NewFake(now),
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})

			if n := strings.Count(logs.String(), unlinkedCallsWarning); n != map[bool]int{true: 1}[tc.wantWarn] {
				t.Errorf("warning logged %d times, want it: %v; log:\n%s", n, tc.wantWarn, logs.String())
			}
			all := e.allCalls("")
			var added []map[string]any
			for i, c := range all {
				if i > 0 && all[i-1]["start_timestamp"].(string) < c["start_timestamp"].(string) {
					t.Fatalf("calls not newest first at %d", i)
				}
				if !before[c["id"].(string)] {
					added = append(added, c)
				}
			}
			if len(added) != tc.calls || len(all) != len(before)+tc.calls {
				t.Fatalf("%d calls added (%d in all), want %d more than the %d saved", len(added), len(all), tc.calls, len(before))
			}
			for _, c := range added {
				id, linked := c["contact_id"].(string)
				if linked != tc.wantLinked || (linked && !contacts[id]) {
					t.Fatalf("call %s has contact_id %v; want linked to an existing contact: %v", c["id"], c["contact_id"], tc.wantLinked)
				}
				end, err := time.Parse(time.RFC3339, c["end_timestamp"].(string))
				if err != nil || end.After(now) || end.Before(now.Add(-3*24*time.Hour)) {
					t.Fatalf("call %s ended at %v (%v), want within the 3 days before %v", c["id"], end, err, now)
				}
			}
		})
	}
}
