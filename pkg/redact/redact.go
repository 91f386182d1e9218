// Package redact masks personal data (phone numbers, email addresses)
// before it reaches a log line or a terminal summary. The files a user
// asked for (rejects, outputs) keep full values; logs never do.
package redact

import (
	"regexp"
	"strings"
)

// Phone masks the middle of a phone number, keeping the first four and
// last four characters: "+15551234567" -> "+155***4567". Short values are
// masked whole.
func Phone(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + "***" + s[len(s)-4:]
}

// Email keeps the first character of the local part and the domain:
// "ada@example.com" -> "a***@example.com".
func Email(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return "***"
	}
	return local[:1] + "***@" + domain
}

var (
	emailRE = regexp.MustCompile(`[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+`)
	// A run of at least six digits, possibly with the separators people
	// write phone numbers with, and an optional leading "+".
	phoneRE = regexp.MustCompile(`\+?\d[\d\s().\-/]{4,}\d`)
	dateRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// Text masks every email address and phone-like digit run in free text,
// such as an error message that quotes the value it refused.
func Text(s string) string {
	s = emailRE.ReplaceAllStringFunc(s, Email)
	return phoneRE.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 6 || dateRE.MatchString(m) {
			return m
		}
		return Phone(m)
	})
}
