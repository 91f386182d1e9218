package record

import "time"

// Call is one call record as alexsync exports it: the API's call, both
// generations of its shape already merged, joined back to the source
// record the contact was pushed from when alexsync knows it.
type Call struct {
	ID              string
	AgentID         string
	ContactID       string
	CampaignID      string
	Direction       string // inbound, outbound, web
	Status          string // completed, voicemail, no_answer, failed, transferred
	DurationSeconds float64
	Sentiment       string   // "" while unknown
	Cost            *float64 // nil while unknown
	StartedAt       time.Time
	EndedAt         time.Time // zero when unknown
	Phone           string    // the contact's phone (E.164) when known
	ExternalKey     string    // the source record's key, when alexsync pushed the contact
	Summary         string
	RecordingURL    string
	Transcript      []TranscriptLine
}

// TranscriptLine is one utterance of a call.
type TranscriptLine struct {
	Offset  float64 // seconds from the start of the call
	Speaker string  // agent or caller
	Text    string
}
