package signature

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	now := time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC)
	body := []byte(`{"id":"evt_1","type":"call.completed"}`)
	good := Sign("whsec_abc", now.Add(-time.Minute), body)
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		want   error
	}{
		{"valid", "whsec_abc", good, body, nil},
		{"valid with spaces", "whsec_abc", strings.ReplaceAll(good, ",", ", "), body, nil},
		{"rotated secrets", "whsec_abc", good + ",v1=" + strings.Repeat("00", 32), body, nil},
		{"wrong secret", "whsec_other", good, body, ErrMismatch},
		{"tampered body", "whsec_abc", good, []byte(`{"id":"evt_2"}`), ErrMismatch},
		{"too old", "whsec_abc", Sign("whsec_abc", now.Add(-6*time.Minute), body), body, ErrExpired},
		{"from the future", "whsec_abc", Sign("whsec_abc", now.Add(6*time.Minute), body), body, ErrExpired},
		{"empty", "whsec_abc", "", body, ErrMalformed},
		{"no timestamp", "whsec_abc", "v1=" + strings.Repeat("ab", 32), body, ErrMalformed},
		{"no signature", "whsec_abc", "t=1", body, ErrMalformed},
		{"bad hex", "whsec_abc", "t=1,v1=zz", body, ErrMalformed},
		{"short signature", "whsec_abc", "t=1,v1=abcd", body, ErrMalformed},
		{"bad timestamp", "whsec_abc", "t=abc,v1=" + strings.Repeat("ab", 32), body, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.header, tc.body, now, 0)
			if tc.want == nil && err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 1, 15, 14, 30, 0, 0, time.UTC)
	f.Add(Sign("s", now, []byte("{}")), []byte("{}"))
	f.Add("t=1,v1=00", []byte(""))
	f.Add("t=,v1=,=,", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := Verify("s", header, body, now, 0)
		if err == nil && Sign("s", now, body) != header && !strings.Contains(header, "v1=") {
			t.Fatalf("accepted %q without a v1 element", header)
		}
	})
}
