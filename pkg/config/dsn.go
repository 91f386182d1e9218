package config

import (
	"net/url"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// dsnSections are the pipeline sections whose dsn may hold a password.
var dsnSections = []string{"source", "output"}

// checkInlineDSNs is the nodeCheck of pipeline files: it refuses a dsn
// written in the file (source.dsn, output.dsn) that carries a password,
// unless the driver is sqlite, and likewise a PostgreSQL checkpoint DSN. It reads the file as written, before
// ${VAR} expansion: a DSN or a password that is a ${VAR} reference comes
// from the environment and passes; a ${VAR:-default} default is text in
// the file and is judged like it.
func checkInlineDSNs(root *yaml.Node) error {
	for _, section := range dsnSections {
		sec := mapValue(root, section)
		if sec == nil || sec.Kind != yaml.MappingNode {
			continue
		}
		dsn := mapValue(sec, "dsn")
		if dsn == nil || dsn.Kind != yaml.ScalarNode {
			continue
		}
		driver := ""
		if d := mapValue(sec, "driver"); d != nil && d.Kind == yaml.ScalarNode {
			driver = d.Value
		}
		if dsnHasPassword(driver, envRef.ReplaceAllString(dsn.Value, "$3")) {
			// The DSN itself is not quoted: it holds a secret.
			return atLine(dsn, "%s.dsn: a DSN with a password must not be written in the pipeline file; "+
				"put it in an environment variable and set %s.dsn_env to the variable's name "+
				"(dsn is for sqlite files and DSNs without a password)", section, section)
		}
	}
	if cp := mapValue(root, "checkpoint"); cp != nil && cp.Kind == yaml.ScalarNode &&
		dsnHasPassword("postgres", envRef.ReplaceAllString(cp.Value, "$3")) {
		return atLine(cp, "checkpoint: a PostgreSQL DSN with a password must not be written in the pipeline file; "+
			"put it in an environment variable and write checkpoint: ${THAT_VARIABLE}")
	}
	return nil
}

// mapValue returns the value of key in mapping node n, following an
// alias, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

// dsnHasPassword reports whether dsn, for driver, carries a non-empty
// password. sqlite DSNs are file paths and always pass; for a driver that
// is not postgres or mysql (e.g. still a ${VAR}) both forms are checked.
func dsnHasPassword(driver, dsn string) bool {
	switch driver {
	case "sqlite":
		return false
	case "postgres":
		return postgresPassword(dsn)
	case "mysql":
		return mysqlPassword(dsn)
	}
	if postgresURL.MatchString(dsn) {
		return postgresPassword(dsn) // "postgres://user@host" is no mysql user:password
	}
	return postgresPassword(dsn) || mysqlPassword(dsn)
}

var (
	postgresURL = regexp.MustCompile(`(?i)^postgres(ql)?://`)
	// libpq key=value: the value is a word or a quoted string; "password="
	// with nothing after it, or '', is no password.
	postgresKV = regexp.MustCompile(`(?i)(?:^|\s)password\s*=\s*(\S+)`)
)

// postgresPassword reports a password in a postgres URL (user info or the
// password query parameter) or in a libpq key=value string.
func postgresPassword(dsn string) bool {
	if !postgresURL.MatchString(dsn) {
		m := postgresKV.FindStringSubmatch(dsn)
		return m != nil && m[1] != "''"
	}
	if u, err := url.Parse(dsn); err == nil {
		if p, ok := u.User.Password(); ok && p != "" {
			return true
		}
		return u.Query().Get("password") != ""
	}
	// A URL net/url refuses (e.g. a password with a bare '#'): judge what
	// stands between the scheme and the last '@'.
	rest := dsn[strings.Index(dsn, "://")+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		_, pass, ok := strings.Cut(rest[:at], ":")
		return ok && pass != ""
	}
	return false
}

// mysqlPassword reports a password in a go-sql-driver DSN,
// [user[:password]@][net[(addr)]]/dbname[?params], parsed as the driver
// does: the user info ends at the last '@' before the last '/', and the
// password starts after its first ':'. A mysql:// prefix is ignored.
func mysqlPassword(dsn string) bool {
	if scheme, rest, ok := strings.Cut(dsn, "://"); ok && strings.EqualFold(scheme, "mysql") {
		dsn = rest
	}
	if slash := strings.LastIndex(dsn, "/"); slash >= 0 {
		dsn = dsn[:slash]
	}
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return false
	}
	_, pass, ok := strings.Cut(dsn[:at], ":")
	return ok && pass != ""
}
