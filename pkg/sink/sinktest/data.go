package sinktest

import (
	"fmt"
	"time"

	"github.com/alexsync/alexsync/pkg/sink"
)

// Epoch is the start time of the generated calls.
var Epoch = time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC)

// Injections are the formula-injection strings every sink must store as
// plain text (a CSV sink prefixes them with a quote).
var Injections = []string{`=HYPERLINK("http://x","y")`, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"}

// E164 is a valid E.164 phone number that no sink may alter.
const E164 = "+14155550123"

// Batch is one Replace call: a table and its rows.
type Batch struct {
	Table sink.Table
	Rows  []sink.Row
}

// Call returns generated call i; version changes the fields an update
// changes (status, cost, summary, end time).
func Call(i, version int) sink.Row {
	start := Epoch.Add(time.Duration(i) * time.Minute)
	return sink.Row{
		CallID(i), start, start.Add(time.Duration(30+i%300+version) * time.Second), statuses[(i+version)%len(statuses)],
		"outbound", float64(30 + i%300 + version), float64(i%1000)/100 + float64(version), "positive",
		"agent_" + fmt.Sprint(i%7), "camp_1", fmt.Sprintf("ct_%07d", i), fmt.Sprintf("crm-%d", i),
		fmt.Sprintf("+1415555%04d", i%10000), fmt.Sprintf("Summary v%d of call %d, with a comma", version, i),
		fmt.Sprintf("https://rec.example.com/%d.mp3", i),
	}
}

var statuses = []string{"completed", "no_answer", "busy", "failed"}

// CallID returns the id of generated call i.
func CallID(i int) string { return fmt.Sprintf("call_%07d", i) }

// Lines returns n generated transcript lines of call i, in offset order.
func Lines(i, n, version int) []sink.Row {
	rows := make([]sink.Row, n)
	for j := range rows {
		speaker := "agent"
		if j%2 == 1 {
			speaker = "user"
		}
		rows[j] = sink.Row{CallID(i), float64(j) * 4.5, speaker, fmt.Sprintf("line %d of call %d (v%d)", j, i, version)}
	}
	return rows
}

// Contact returns generated contact i.
func Contact(i, version int) sink.Row {
	at := Epoch.Add(time.Duration(i) * time.Hour)
	return sink.Row{
		fmt.Sprintf("ct_%07d", i), fmt.Sprintf("crm-%d", i), fmt.Sprintf("+4420794%05d", i%100000), "Ada", fmt.Sprintf("Lovelace %d", version),
		fmt.Sprintf("ada%d@example.com", i), "Analytical Engines", "Countess", "vip;beta", "active",
		`{"source":"crm"}`, at, at.Add(time.Duration(version) * time.Minute),
	}
}

// Sample returns the batches the golden tests write: every column type,
// awkward text (commas, quotes, newlines, unicode, leading spaces), every
// formula-injection string in Text columns, the E.164 phone and a non-E.164
// phone that starts with '=', nil numbers and zero times.
func Sample() []Batch {
	t0 := time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC)
	cet := time.FixedZone("CET", 3600)
	calls := []sink.Row{
		{"call_a", t0, t0.Add(95 * time.Second), "completed", "outbound", 95.0, 0.125, "positive",
			"agent_1", "camp_1", "ct_1", "crm-1", E164, "Said \"hello\", then left", "https://rec.example.com/a.mp3"},
		{"call_b", time.Date(2026, 1, 15, 16, 0, 0, 0, cet), time.Time{}, "no_answer", "outbound", nil, nil, "",
			"agent_2", "", "ct_2", "", "=1+1", "line one\nline two, with comma", ""},
		{"call_c", t0.Add(time.Hour), t0.Add(time.Hour + time.Minute), "completed", "inbound", 60.0, -2.5, "négatif ☹",
			"agent_1", "camp_2", "ct_3", "crm-3", "+442079460000", "Zoë said: 'ok'; 日本語 ✓", " leading space"},
	}
	for i, s := range Injections {
		id := fmt.Sprintf("call_inj_%d", i)
		calls = append(calls, sink.Row{id, t0, time.Time{}, s, "outbound", 1.0, nil, s, s, s, s, s, E164, s, s})
	}
	lines := []sink.Row{
		{"call_a", 0.0, "agent", "Hi, this is Alex from \"Acme\""},
		{"call_a", 2.5, "user", "=HYPERLINK(\"http://x\",\"y\")"},
		{"call_a", 7.25, "agent", "Ok.\nBye"},
		{"call_c", 0.0, "user", "¿Qué tal?"},
		{"call_c", 1e-3, "agent", "-2+3"},
	}
	contacts := []sink.Row{
		{"ct_1", "crm-1", E164, "José", "Núñez, Jr.", "jose@example.com", "Acme \"Intl\"", "", "a;b", "active",
			"{\"k\":\"v, w\"}", t0, time.Time{}},
		{"ct_2", "crm-2", "+33142685300", "@admin", "+1+1", "", "", "-2+3", "", "", "\tx", time.Time{}, t0},
	}
	return []Batch{{sink.Calls, calls}, {sink.TranscriptLines, lines}, {sink.Contacts, contacts}}
}
