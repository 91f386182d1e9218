// Package redact masks personal data (phone numbers, email addresses)
// before it reaches a log line or a terminal summary. The files a user
// asked for (rejects, outputs) keep full values; logs never do.
package redact

import (
	"regexp"
	"strings"
)

// Phone masks the middle of a phone number. A value of 12 characters or
// more (an E.164 number with its "+") keeps its first five and last four:
// "+15551234567" -> "+1555***4567". A shorter value keeps less, so that it
// is never mostly shown: 9 to 11 characters keep the first two and last
// two ("4155550100" -> "41***00"); 8 or fewer are masked whole.
func Phone(s string) string {
	switch n := len(s); {
	case n >= 12:
		return s[:5] + "***" + s[n-4:]
	case n >= 9:
		return s[:2] + "***" + s[n-2:]
	default:
		return strings.Repeat("*", n)
	}
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
// such as an error message that quotes the value it refused. A digit run
// glued to a letter or "_" before it is part of an identifier (a request
// id "req_0eb90a7194381af2"), not a phone, and is kept.
func Text(s string) string {
	s = emailRE.ReplaceAllStringFunc(s, Email)
	locs := phoneRE.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		m := s[l[0]:l[1]]
		if !phoneLike(m) || (m[0] != '+' && l[0] > 0 && identChar(s[l[0]-1])) {
			continue
		}
		b.WriteString(s[last:l[0]])
		b.WriteString(Phone(m))
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// phoneLike reports whether a phoneRE match has enough digits to be a
// phone number and is not an ISO date.
func phoneLike(m string) bool {
	digits := 0
	for _, r := range m {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits >= 6 && !dateRE.MatchString(m)
}

func identChar(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
