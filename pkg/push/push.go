// Package push sends planned contact changes to the API through a bounded
// worker pool, journaling each one: in flight (durably) before the request,
// confirmed only after the API answered. One row's failure never stops
// the others; a spent quota or a fatal answer stops taking work, lets the
// requests in flight finish, and reports why.
package push

import (
	"context"
	"errors"

	"github.com/alexsync/alexsync/pkg/record"
)

// Errors an API implementation signals (matched with errors.Is). Any other
// error is a transient failure that survived the client's retries: the row
// is counted failed and retried next run.
var (
	// ErrAmbiguous: the write may have been applied (timeout, 5xx or a
	// dropped connection after sending). The record is reconciled by phone
	// before it is sent again.
	ErrAmbiguous = errors.New("outcome unknown")
	// ErrRejected: the API refused this contact (400): a row error.
	ErrRejected = errors.New("refused by the API")
	// ErrNotFound: the remote contact is gone (404).
	ErrNotFound = errors.New("remote contact not found")
	// ErrForbidden: 403; on a create it means the plan's contact cap.
	ErrForbidden = errors.New("forbidden")
	// ErrQuota: a request quota is spent; nothing was sent. Stop, resume later.
	ErrQuota = errors.New("request quota spent")
	// ErrFatal: nothing else will work (401, a revoked key). Stop.
	ErrFatal = errors.New("fatal API error")
	// ErrNotSent: the run stopped (a first Ctrl-C) while the request
	// waited for the quota; it never left. The record goes back to
	// pending.
	ErrNotSent = errors.New("stopped before it was sent")
)

// API is the part of the SmartAlex API a push needs.
type API interface {
	// Create creates c and returns it as stored.
	Create(ctx context.Context, c record.Contact) (Remote, error)
	// Update sends only the fields of p and returns the contact as stored.
	Update(ctx context.Context, id string, p Patch) (Remote, error)
	// Delete deletes the remote contact.
	Delete(ctx context.Context, id string) error
	// MarkDNC marks the remote contact do-not-call.
	MarkDNC(ctx context.Context, id string) error
	// FindByPhone returns the remote contacts whose phone is exactly phone
	// (E.164), newest first.
	FindByPhone(ctx context.Context, phone string) ([]Remote, error)
}

// Remote is a contact as the API stores it.
type Remote struct {
	ID        string
	Contact   record.Contact
	Status    int    // the HTTP status of the answer that returned it; 0 when unknown
	RequestID string // the answer's request id; "" when the server sent none
}

// answerer is implemented by API errors that carry the server's answer
// (the SmartAlex client's *APIError does): attempts record it.
type answerer interface {
	Answer() (status int, requestID string)
}

// failedAttempt is the attempt record of a request that ended in err,
// with the server's answer when there was one.
func failedAttempt(action, outcome string, err error) Attempt {
	a := Attempt{Action: action, Outcome: outcome, Error: err.Error()}
	var ans answerer
	if errors.As(err, &ans) {
		a.Status, a.RequestID = ans.Answer()
	}
	return a
}

// Patch is a partial update: the new contact and the fields that changed.
type Patch struct {
	Contact record.Contact
	Fields  []string // first_name, last_name, phone, email, company, title, tags, metadata
}

// Journal records each write. MarkInFlight must be durable when it returns:
// the request is sent only after it. The others may be queued.
type Journal interface {
	MarkInFlight(ctx context.Context, e Entry) error
	Confirm(ctx context.Context, e Entry, a Attempt) error
	Fail(ctx context.Context, e Entry, a Attempt) error
	InDoubt(ctx context.Context, e Entry, a Attempt) error
	// KeepAsDNC records that the contact was marked do-not-call: the record
	// is kept (origin dnc) with everything it held.
	KeepAsDNC(ctx context.Context, e Entry, a Attempt) error
	// Unsent records a write that did not happen: never sent, or refused
	// by a quota before it was applied. The record goes back to pending.
	Unsent(ctx context.Context, e Entry, a Attempt) error
	// Remove records that the remote contact was deleted.
	Remove(ctx context.Context, e Entry, a Attempt) error
}

// Entry is one record as the journal stores it.
type Entry struct {
	Key         string
	Line        int
	RowHash     record.Hash
	Contact     record.Contact // the contact as sent (confirmed on Confirm)
	ContactHash record.Hash
	RemoteID    string
	Origin      string // "created", "adopted" or OriginDNC
}

// OriginDNC is the Origin of a contact marked do-not-call because its row
// left the source: a later update keeps it, and it is never deleted.
const OriginDNC = "dnc"

// Attempt is what one request did, for the record's history.
type Attempt struct {
	Action    string // create, update, delete, dnc, adopt, reconcile
	Outcome   string // ok, refused, failed, in_doubt, deferred, gone
	Status    int    // HTTP status of the answer; 0 when none arrived or it is unknown
	Error     string
	RequestID string
}

// Op is what a Task does.
type Op int

// Operations.
const (
	OpCreate    Op = iota // POST a new contact
	OpUpdate              // PATCH the changed fields of Previous -> Entry.Contact
	OpAdopt               // take over Entry.RemoteID (PATCH only if Previous differs)
	OpReconcile           // an earlier create may have applied: look it up by phone first
	OpDelete              // DELETE Entry.RemoteID
	OpDNC                 // mark Entry.RemoteID do-not-call
)

var opNames = [...]string{"create", "update", "adopt", "reconcile", "delete", "dnc"}

// String names the operation.
func (o Op) String() string { return opNames[o] }

// Task is one planned change.
type Task struct {
	Op       Op
	Entry    Entry
	Previous *record.Contact // what the remote holds, when known (update, adopt)
	Row      record.Row      // the source row, for the rejects file
}
