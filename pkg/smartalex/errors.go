package smartalex

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// APIError is a non-2xx answer from the API. Every non-2xx response becomes
// one, whatever its body: a proxy's HTML 502 still yields a clean APIError.
type APIError struct {
	Method     string        // HTTP method of the request
	Path       string        // request path, without query or host
	Status     int           // HTTP status code
	Code       string        // error.code from the envelope; "" when the body had none
	Message    string        // error.message, or a short excerpt of a non-JSON body
	RequestID  string        // X-Request-Id of the answer, when the server sent one
	RetryAfter time.Duration // parsed Retry-After; 0 when absent
}

// Answer returns the HTTP status and the request id of the answer, for
// callers that record it without knowing this package's types.
func (e *APIError) Answer() (status int, requestID string) { return e.Status, e.RequestID }

// Error formats the answer as "METHOD /path: 400 invalid_request: message".
func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	} else if t := http.StatusText(e.Status); t != "" {
		s += " " + t
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// ErrAmbiguous is matched (errors.Is) by every error returned for a
// non-idempotent write that may have been applied by the server: the body
// was sent and then the connection failed, the answer was a 5xx, or the
// 2xx answer could not be read. Such a request is never retried by the
// client; the caller must reconcile (look the record up) before sending it
// again, or it risks a duplicate.
var ErrAmbiguous = errors.New("the request may have been applied")

// AmbiguousError is the concrete error behind ErrAmbiguous.
type AmbiguousError struct {
	Method, Path string
	Err          error // what went wrong after the request was sent
}

// Error says what was sent and what went wrong.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s %s: outcome unknown, the request may have been applied: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the underlying failure.
func (e *AmbiguousError) Unwrap() error { return e.Err }

// Is reports whether target is ErrAmbiguous.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// ErrQuotaExhausted is matched by every QuotaError.
var ErrQuotaExhausted = errors.New("request quota exhausted")

// QuotaError means no request can be sent until ResetAt: the daily budget
// is spent (locally or as reported by the server), or the server asked for
// a wait longer than the retry policy allows. Nothing was sent.
type QuotaError struct {
	Scope   string    // "day" or "minute" (the server's), or "budget" (the caller's Budget refused)
	ResetAt time.Time // when sending may resume; zero when unknown
	Err     error     // the cause, if any (a budget's error, the 429)
}

// Error says which quota is spent and until when. A Budget's refusal is
// its own message: the Budget knows which allowance it keeps.
func (e *QuotaError) Error() string {
	if e.Scope == "budget" && e.Err != nil {
		return e.Err.Error()
	}
	s := e.Scope + " request quota exhausted"
	if !e.ResetAt.IsZero() {
		s += " until " + e.ResetAt.UTC().Format(time.RFC3339)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *QuotaError) Unwrap() error { return e.Err }

// Is reports whether target is ErrQuotaExhausted.
func (e *QuotaError) Is(target error) bool { return target == ErrQuotaExhausted }

// NetError is a transport failure (refused, reset, timeout) for a request.
// It carries the method and path but never the full URL, whose query can
// hold personal data.
type NetError struct {
	Method, Path string
	Err          error
}

// Error says which request failed and why.
func (e *NetError) Error() string { return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err) }

// Unwrap returns the transport error.
func (e *NetError) Unwrap() error { return e.Err }

// Class says what a caller should do with an error.
type Class int

// Error classes, by what to do with them.
const (
	// ClassNone is the class of a nil error.
	ClassNone Class = iota
	// ClassRetryable: a transient failure (429, 5xx but 501, network);
	// the client already retried it within its policy, so a caller
	// should count the item as failed and try again in a later run.
	ClassRetryable
	// ClassPermanent: the request itself is wrong (400, 404, other 4xx);
	// sending it again gives the same answer. A row error.
	ClassPermanent
	// ClassFatal: nothing else will work either (401, 403, a bad
	// configuration); stop the run.
	ClassFatal
	// ClassAmbiguous: a write that may have been applied; reconcile
	// before sending again.
	ClassAmbiguous
	// ClassQuota: a quota is spent; stop sending and resume after reset.
	ClassQuota
	// ClassCanceled: the context was cancelled or timed out.
	ClassCanceled
)

// String names the class.
func (c Class) String() string {
	return [...]string{"none", "retryable", "permanent", "fatal", "ambiguous", "quota", "canceled"}[c]
}

// Classify returns the class of err. Ambiguity wins over the cause, so a
// POST answered 500 is ClassAmbiguous, not ClassRetryable.
func Classify(err error) Class {
	var apiErr *APIError
	var netErr net.Error
	switch {
	case err == nil:
		return ClassNone
	case errors.Is(err, ErrAmbiguous):
		return ClassAmbiguous
	case errors.Is(err, ErrQuotaExhausted):
		return ClassQuota
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ClassCanceled
	case errors.As(err, &apiErr):
		return classifyStatus(apiErr.Status)
	case errors.As(err, &netErr), isNetError(err), errors.Is(err, ErrListShifted):
		// A list that shifted while paged reads right a little later.
		return ClassRetryable
	default:
		return ClassFatal
	}
}

func isNetError(err error) bool {
	var ne *NetError
	return errors.As(err, &ne)
}

func classifyStatus(status int) Class {
	switch {
	case status == http.StatusTooManyRequests:
		return ClassRetryable
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return ClassFatal
	case status == http.StatusNotImplemented:
		return ClassPermanent
	case status >= 500:
		return ClassRetryable
	default:
		return ClassPermanent
	}
}

// IsRetryable reports whether err is transient (429, 5xx but 501, network).
func IsRetryable(err error) bool { return Classify(err) == ClassRetryable }

// IsPermanent reports whether err is a 4xx other than 401, 403 and 429:
// the same request will always fail the same way.
func IsPermanent(err error) bool { return Classify(err) == ClassPermanent }

// IsAmbiguous reports whether err is a write that may have been applied.
func IsAmbiguous(err error) bool { return errors.Is(err, ErrAmbiguous) }

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is a 401 answer (missing, unknown or
// revoked key).
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsForbidden reports whether err is a 403 answer (read-only key, or the
// plan's contact cap on a create).
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

func statusOf(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status
	}
	return 0
}
