// Package signature signs and verifies SmartAlex webhook deliveries.
//
// The header is `X-SmartAlex-Signature: t=<unix ms>,v1=<hex>`, where v1 is
// HMAC-SHA256 keyed with the webhook's signing secret over "<t>." + the raw
// request body. Verification compares in constant time and rejects a
// timestamp older than the tolerance (5 minutes by default).
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header is the HTTP header that carries the signature.
const Header = "X-SmartAlex-Signature"

// DefaultTolerance is how old a signed timestamp may be before Verify
// rejects it as a possible replay.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify; each is wrapped with detail.
var (
	ErrMalformed = errors.New("signature header is malformed")
	ErrMismatch  = errors.New("signature does not match the body")
	ErrExpired   = errors.New("signature timestamp is outside the tolerance")
)

// Sign returns the header value for body signed at t with secret.
func Sign(secret string, t time.Time, body []byte) string {
	ms := strconv.FormatInt(t.UnixMilli(), 10)
	return "t=" + ms + ",v1=" + hex.EncodeToString(mac(secret, ms, body))
}

func mac(secret, ms string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ms))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks header against body and secret at time now. A timestamp
// more than tolerance in the past (or in the future, against clock skew) is
// rejected; tolerance <= 0 means DefaultTolerance. Several v1 values are
// allowed (secret rotation): one match is enough.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: element %q has no '='", ErrMalformed, part)
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return fmt.Errorf("%w: v1 is not a hex SHA-256", ErrMalformed)
			}
			sigs = append(sigs, b)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: want t=<unix ms>,v1=<hex>", ErrMalformed)
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: t is not a unix millisecond time", ErrMalformed)
	}
	if age := now.Sub(time.UnixMilli(ms)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed %s ago", ErrExpired, age.Round(time.Second))
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrMismatch
}
