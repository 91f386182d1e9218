package checkpoint

import (
	"net/url"
	"regexp"
	"strings"
)

// redactedPassword replaces passwords in Locations and error messages.
const redactedPassword = "xxxxx"

var (
	// kvPassword matches password=value in a key=value DSN, the value plain
	// or single-quoted with backslash escapes, spaces allowed around "=".
	kvPassword = regexp.MustCompile(`(?i)(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)
	// queryPassword matches a password parameter in a URL's query.
	queryPassword = regexp.MustCompile(`(?i)([?&]password=)([^&#]*)`)
)

// RedactDSN returns dsn with its password replaced by "xxxxx": the
// userinfo password and any password query parameter of a URL
// (postgres://user:pass@host/db), and password=... in a key=value DSN.
// Anything else is returned unchanged. When the URL's userinfo is
// ambiguous (an "@" after the host), it redacts too much rather than too
// little.
func RedactDSN(dsn string) string {
	out, _ := redactDSN(dsn)
	return out
}

// redactDSN returns the redacted DSN and the secrets it removed, to be
// scrubbed from error messages too.
func redactDSN(dsn string) (string, []string) {
	var secrets []string
	keep := func(re *regexp.Regexp, s string, prefix int) string {
		return re.ReplaceAllStringFunc(s, func(m string) string {
			sub := re.FindStringSubmatch(m)
			secret := sub[len(sub)-1]
			if secret == "" {
				return m
			}
			secrets = append(secrets, secret, strings.Trim(secret, "'"))
			if dec, err := url.QueryUnescape(secret); err == nil {
				secrets = append(secrets, dec)
			}
			return strings.Join(sub[1:prefix+1], "") + redactedPassword
		})
	}
	scheme, rest, isURL := strings.Cut(dsn, "://")
	if !isURL {
		return keep(kvPassword, dsn, 2), secrets
	}
	// The password may itself hold "@" or "/": the userinfo ends at the
	// last "@".
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, pw, ok := strings.Cut(rest[:at], ":"); ok && pw != "" {
			secrets = append(secrets, pw)
			if dec, err := url.PathUnescape(pw); err == nil {
				secrets = append(secrets, dec)
			}
			rest = user + ":" + redactedPassword + rest[at:]
		}
	}
	return keep(queryPassword, scheme+"://"+rest, 1), secrets
}

// redactedError hides secrets from an error's message. Unwrap returns the
// original error, so errors.Is and errors.As still see the cause.
type redactedError struct {
	err     error
	secrets []string
}

// Error returns the message with every secret replaced by "xxxxx".
func (e *redactedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, redactedPassword)
		}
	}
	return msg
}

// Unwrap returns the cause.
func (e *redactedError) Unwrap() error { return e.err }
