package smartalex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Contact is a SmartAlex contact as the API returns it. Both generations of
// the contact shape decode into it; fields the server did not send stay
// zero.
type Contact struct {
	ID           string    `json:"id"`
	Phone        string    `json:"phone"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name,omitempty"`
	Email        string    `json:"email,omitempty"`
	Company      string    `json:"company,omitempty"`
	Title        string    `json:"title,omitempty"`
	Tags         []string  `json:"tags,omitempty"`
	Metadata     Metadata  `json:"metadata,omitempty"`
	Status       string    `json:"status,omitempty"` // "active" or "dnc"
	CreatedAt    time.Time `json:"created_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
	CallsCount   int       `json:"calls_count,omitempty"`   // older responses only
	LastCalledAt time.Time `json:"last_called_at,omitzero"` // older responses only
}

// Metadata is a contact's flat string map. Decoding is tolerant: numbers
// and booleans become their JSON text, null values are dropped, and nested
// objects keep their JSON text, so an unexpected server value never fails
// a whole page.
type Metadata map[string]string

// UnmarshalJSON decodes a flat object, stringifying non-string scalars.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*m = nil
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	out := make(Metadata, len(raw))
	for k, v := range raw {
		var s string
		switch {
		case isNull(v):
		case json.Unmarshal(v, &s) == nil:
			out[k] = s
		default:
			out[k] = string(v)
		}
	}
	*m = out
	return nil
}

// ContactInput is the body of a create. FirstName and Phone (E.164) are
// required by the API.
type ContactInput struct {
	Phone     string            `json:"phone"`
	FirstName string            `json:"first_name"`
	LastName  string            `json:"last_name,omitempty"`
	Email     string            `json:"email,omitempty"`
	Company   string            `json:"company,omitempty"`
	Title     string            `json:"title,omitempty"`
	Tags      []string          `json:"tags,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

// ContactPatch is the body of a partial update: only non-nil fields are
// sent, and each replaces the stored value whole (tags and metadata too).
// Set a pointer to "" to clear a text field.
type ContactPatch struct {
	Phone     *string            `json:"phone,omitempty"`
	FirstName *string            `json:"first_name,omitempty"`
	LastName  *string            `json:"last_name,omitempty"`
	Email     *string            `json:"email,omitempty"`
	Company   *string            `json:"company,omitempty"`
	Title     *string            `json:"title,omitempty"`
	Tags      *[]string          `json:"tags,omitempty"`
	Metadata  *map[string]string `json:"metadata,omitempty"`
	Status    *string            `json:"status,omitempty"` // "dnc" or "active"
}

// Ptr returns a pointer to v, for building a ContactPatch.
func Ptr[T any](v T) *T { return &v }

// Call is one call record. Both generations of the call shape decode into
// it (call_status/status, duration_seconds/duration, contact_id/contact.id,
// start_timestamp/created_at); it encodes with the newer names.
type Call struct {
	ID              string           `json:"id"`
	AgentID         string           `json:"agent_id,omitempty"`
	ContactID       string           `json:"contact_id,omitempty"`
	CampaignID      string           `json:"campaign_id,omitempty"`
	Direction       string           `json:"direction,omitempty"`   // inbound, outbound, web
	Status          string           `json:"call_status,omitempty"` // completed, voicemail, no_answer, failed, transferred
	DurationSeconds float64          `json:"duration_seconds"`
	Sentiment       string           `json:"sentiment,omitempty"` // "" while unknown
	Cost            *float64         `json:"cost,omitempty"`      // nil while unknown
	StartTimestamp  time.Time        `json:"start_timestamp,omitzero"`
	EndTimestamp    time.Time        `json:"end_timestamp,omitzero"`
	PhoneNumber     string           `json:"phone_number,omitempty"` // older responses only
	Summary         string           `json:"summary,omitempty"`
	RecordingURL    string           `json:"recording_url,omitempty"`
	Transcript      []TranscriptLine `json:"transcript,omitempty"`
}

// TranscriptLine is one utterance of a call transcript.
type TranscriptLine struct {
	Speaker   string  `json:"speaker"`   // agent or caller
	Text      string  `json:"text"`      // what was said
	Timestamp float64 `json:"timestamp"` // seconds from the start of the call
}

// callWire accepts both generations of every call field.
type callWire struct {
	ID        json.RawMessage `json:"id"`
	AgentID   string          `json:"agent_id"`
	ContactID *string         `json:"contact_id"`
	Contact   *struct {
		ID json.RawMessage `json:"id"`
	} `json:"contact"`
	CampaignID      *string         `json:"campaign_id"`
	Direction       string          `json:"direction"`
	CallStatus      string          `json:"call_status"`
	Status          string          `json:"status"`
	DurationSeconds json.RawMessage `json:"duration_seconds"`
	Duration        json.RawMessage `json:"duration"`
	Sentiment       *string         `json:"sentiment"`
	Cost            json.RawMessage `json:"cost"`
	StartTimestamp  *string         `json:"start_timestamp"`
	CreatedAt       *string         `json:"created_at"`
	EndTimestamp    *string         `json:"end_timestamp"`
	PhoneNumber     string          `json:"phone_number"`
	Summary         *string         `json:"summary"`
	RecordingURL    *string         `json:"recording_url"`
	Transcript      json.RawMessage `json:"transcript"`
}

// UnmarshalJSON decodes either generation of the call shape. Where both
// spellings are present the newer one wins.
func (c *Call) UnmarshalJSON(b []byte) error {
	var w callWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("call: %w", err)
	}
	var out Call
	var err error
	if out.ID, err = idString(w.ID); err != nil {
		return fmt.Errorf("call id: %w", err)
	}
	out.AgentID, out.Direction, out.PhoneNumber = w.AgentID, w.Direction, w.PhoneNumber
	out.ContactID = deref(w.ContactID)
	if out.ContactID == "" && w.Contact != nil {
		if out.ContactID, err = idString(w.Contact.ID); err != nil {
			return fmt.Errorf("call %s contact.id: %w", out.ID, err)
		}
	}
	out.CampaignID = deref(w.CampaignID)
	out.Status = firstNonEmpty(w.CallStatus, w.Status)
	if out.DurationSeconds, err = number(firstRaw(w.DurationSeconds, w.Duration)); err != nil {
		return fmt.Errorf("call %s duration: %w", out.ID, err)
	}
	out.Sentiment = deref(w.Sentiment)
	if cost, err := number(w.Cost); err != nil {
		return fmt.Errorf("call %s cost: %w", out.ID, err)
	} else if len(w.Cost) > 0 && !isNull(w.Cost) {
		out.Cost = &cost
	}
	if out.StartTimestamp, err = timestamp(firstNonNil(w.StartTimestamp, w.CreatedAt)); err != nil {
		return fmt.Errorf("call %s start: %w", out.ID, err)
	}
	if out.EndTimestamp, err = timestamp(w.EndTimestamp); err != nil {
		return fmt.Errorf("call %s end: %w", out.ID, err)
	}
	out.Summary, out.RecordingURL = deref(w.Summary), deref(w.RecordingURL)
	if out.Transcript, err = transcript(w.Transcript); err != nil {
		return fmt.Errorf("call %s transcript: %w", out.ID, err)
	}
	*c = out
	return nil
}

// idString accepts a string id, or a number (ids are opaque, but a server
// that sends numeric ids should not break decoding).
func idString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || isNull(raw) {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("want a string, got %.40s", raw)
	}
	return n.String(), nil
}

// number decodes a JSON number, a numeric string, or null (as 0).
func number(raw json.RawMessage) (float64, error) {
	if len(raw) == 0 || isNull(raw) {
		return 0, nil
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("want a number, got %.40s", raw)
	}
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("want a number, got %q", s)
	}
	return f, nil
}

// timestamp parses an RFC 3339 time; nil or "" is the zero time.
func timestamp(s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want an RFC 3339 time, got %q", *s)
	}
	return t.UTC(), nil
}

// transcript accepts the documented array of lines, null, or a plain
// string (kept as one line with no speaker).
func transcript(raw json.RawMessage) ([]TranscriptLine, error) {
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	var lines []TranscriptLine
	if json.Unmarshal(raw, &lines) == nil {
		return lines, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("want an array of lines, got %.40s", raw)
	}
	if s == "" {
		return nil, nil
	}
	return []TranscriptLine{{Text: s}}, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstNonNil(a, b *string) *string {
	if a != nil && *a != "" {
		return a
	}
	return b
}

func firstRaw(a, b json.RawMessage) json.RawMessage {
	if len(a) > 0 && !isNull(a) {
		return a
	}
	return b
}

// Campaign is an outbound calling campaign.
type Campaign struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	AgentID   string    `json:"agent_id"`
	Status    string    `json:"status"` // draft, active, paused, completed, cancelled
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// CampaignInput is the body of a campaign create; both fields are required.
type CampaignInput struct {
	Name    string `json:"name"`
	AgentID string `json:"agent_id"`
}

// AddContactsResult counts what adding contacts to a campaign did.
type AddContactsResult struct {
	Added   int `json:"added"`
	Skipped int `json:"skipped"` // already members
}

// Webhook is a registered webhook endpoint. SigningSecret is only present
// in the answer to the create, once.
type Webhook struct {
	ID            string    `json:"id"`
	URL           string    `json:"url"`
	EventTypes    []string  `json:"event_types"`
	Description   string    `json:"description,omitempty"`
	SigningSecret string    `json:"signing_secret,omitempty"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
}

// WebhookInput is the body of a webhook create.
type WebhookInput struct {
	URL         string   `json:"url"`
	EventTypes  []string `json:"event_types"`
	Description string   `json:"description,omitempty"`
}

// ListMeta is the meta object of a list answer.
type ListMeta struct {
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}
