package smartalex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// envelope is every answer's outer shape. A one-object answer is
// {"data": {...}}, a list adds "meta", an error is {"error": {...}}. The
// webhook create answers a bare object, so decodeData falls back to the
// whole body when there is no "data" member.
type envelope struct {
	Data  json.RawMessage `json:"data"`
	Meta  *ListMeta       `json:"meta"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Status  int    `json:"status"`
	} `json:"error"`
}

// errNotJSON marks a 2xx body that is not the JSON the contract promises.
var errNotJSON = errors.New("response is not JSON")

// decodeData decodes a 2xx body into out (nil to discard) and returns the
// list meta, if any.
func decodeData(body []byte, out any) (*ListMeta, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		if out == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: empty body", errNotJSON)
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		if out == nil && !json.Valid(trimmed) {
			return nil, nil // a DELETE may answer 200 with any body
		}
		return nil, fmt.Errorf("%w: %v", errNotJSON, err)
	}
	if out == nil {
		return env.Meta, nil
	}
	data := env.Data
	if len(data) == 0 || isNull(data) {
		data = trimmed
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return env.Meta, nil
}

// maxErrorExcerpt bounds how much of a non-JSON error body goes into an
// APIError message.
const maxErrorExcerpt = 200

// parseError turns a non-2xx answer into an APIError. It never fails: a
// body that is not the error envelope yields the status text and a short,
// printable excerpt of the body.
func parseError(method, path string, status int, h http.Header, body []byte, now time.Time) *APIError {
	e := &APIError{
		Method:     method,
		Path:       path,
		Status:     status,
		RequestID:  h.Get("X-Request-Id"),
		RetryAfter: parseRetryAfter(h.Get("Retry-After"), now),
	}
	var env envelope
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		e.Code, e.Message = env.Error.Code, env.Error.Message
		return e
	}
	e.Message = excerpt(body)
	return e
}

// excerpt returns a single-line, valid UTF-8 prefix of body.
func excerpt(body []byte) string {
	s := strings.ToValidUTF8(string(bytes.TrimSpace(body)), "?")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxErrorExcerpt {
		cut := maxErrorExcerpt
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// maxRetryAfter caps a parsed Retry-After so that arithmetic on it never
// overflows; anything this long is treated as "stop for now" anyway.
const maxRetryAfter = 48 * time.Hour

// parseRetryAfter reads delay-seconds or an HTTP date. Absent, invalid or
// past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
