package mapping

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alexsync/alexsync/pkg/record"
)

// Mapped is one row after mapping: the contact's fields with the phone
// still as written in the source, the row's region value, and the
// external key (empty when the mapping keys by phone: the caller keys by
// the normalized phone then).
type Mapped struct {
	Contact record.Contact
	Region  string
	Key     string
}

// keySeparator joins the values of several key columns.
const keySeparator = "\x1f"

// Apply maps one row. It fails only when key columns are configured and
// all of them are empty in this row: such a row cannot be tracked across
// runs. Everything else (a missing name, a bad phone) is judged later.
func (m *Mapper) Apply(row record.Row) (Mapped, *record.RowError) {
	var out Mapped
	c := &out.Contact
	for _, cf := range m.order {
		if cf.tags {
			c.Tags = cf.f.tags(row)
		} else {
			*cf.target(c) = cf.f.eval(row)
		}
	}
	for _, md := range m.metadata {
		if v := md.f.eval(row); v != "" {
			if c.Metadata == nil {
				c.Metadata = make(map[string]string, len(m.metadata))
			}
			c.Metadata[md.name] = v
		}
	}
	if m.region >= 0 {
		out.Region = cell(row, m.region)
	}
	if len(m.key) == 1 {
		out.Key = cell(row, m.key[0])
		if out.Key == "" {
			return out, m.missingKey(row)
		}
	} else if len(m.key) > 0 {
		parts := make([]string, len(m.key))
		empty := true
		for i, k := range m.key {
			parts[i] = cell(row, k)
			empty = empty && parts[i] == ""
		}
		if empty {
			return out, m.missingKey(row)
		}
		out.Key = strings.Join(parts, keySeparator)
	}
	c.Key = out.Key
	return out, nil
}

// missingKey rejects a row whose key columns are all empty.
func (m *Mapper) missingKey(row record.Row) *record.RowError {
	return &record.RowError{Line: row.Line, Column: m.keyNames[0], Code: "missing_key",
		Err: errors.New("the key column is empty, so this row cannot be tracked across runs"), Values: row.Values}
}

// PhoneColumns returns the source columns the phone is read from.
func (m *Mapper) PhoneColumns() []string { return m.phoneColumns }

// KeyColumns returns the key columns, empty when keyed by phone.
func (m *Mapper) KeyColumns() []string { return m.keyNames }

// DisplayKey makes a key printable: several key columns are shown joined
// by " | ".
func DisplayKey(key string) string { return strings.ReplaceAll(key, keySeparator, " | ") }

func stringField(c *record.Contact, name string) *string { return fieldOf(name)(c) }

// fieldOf returns the accessor of the contact's string field name.
func fieldOf(name string) func(*record.Contact) *string {
	switch name {
	case "first_name":
		return func(c *record.Contact) *string { return &c.FirstName }
	case "last_name":
		return func(c *record.Contact) *string { return &c.LastName }
	case "phone":
		return func(c *record.Contact) *string { return &c.Phone }
	case "email":
		return func(c *record.Contact) *string { return &c.Email }
	case "company":
		return func(c *record.Contact) *string { return &c.Company }
	default: // "title": Compile only admits config.ContactFields
		return func(c *record.Contact) *string { return &c.Title }
	}
}

// cell returns a trimmed value; a short row reads as empty.
func cell(row record.Row, i int) string {
	if i < len(row.Values) {
		return strings.TrimSpace(row.Values[i])
	}
	return ""
}

// eval computes the field's value for a row: the source, then each
// transform in order, then the default when the result is empty.
func (f *field) eval(row record.Row) string {
	var v string
	switch {
	case f.columns != nil:
		for _, i := range f.columns {
			if v = cell(row, i); v != "" {
				break
			}
		}
	case f.template != nil:
		v = render(f.template, row, "")
	default:
		v = strings.Join(f.value, " ")
	}
	for i, t := range f.transforms {
		v = f.apply(i, t.Name, t.Arg, v, row)
	}
	if v == "" {
		v = f.def
	}
	return v
}

// tags splits a tags column (on f.split, or on commas and semicolons),
// or returns the constant values; empty and repeated tags are dropped.
func (f *field) tags(row record.Row) []string {
	var raw []string
	if f.columns == nil && f.template == nil {
		raw = f.value
	} else {
		v := f.eval(row)
		if f.split != "" {
			raw = strings.Split(v, f.split)
		} else {
			raw = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' })
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range raw {
		if t = strings.TrimSpace(t); t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func render(pieces []piece, row record.Row, value string) string {
	var b strings.Builder
	for _, p := range pieces {
		switch p.col {
		case literalPiece:
			b.WriteString(p.lit)
		case valuePiece:
			b.WriteString(value)
		default:
			b.WriteString(cell(row, p.col))
		}
	}
	// Empty placeholders leave stray spaces: "{First} {Last}" with no
	// first name is "Last", not " Last".
	return strings.Join(strings.Fields(b.String()), " ")
}

func (f *field) apply(i int, name, arg, v string, row record.Row) string {
	switch name {
	case "trim":
		return strings.TrimSpace(v)
	case "lower":
		return strings.ToLower(v)
	case "upper":
		return strings.ToUpper(v)
	case "title":
		return titleCase(v)
	case "collapse_spaces":
		return strings.Join(strings.Fields(v), " ")
	case "split_name":
		first, last := SplitName(v)
		if f.target == "last_name" {
			return last
		}
		return first
	case "default":
		if v == "" {
			return arg
		}
		return v
	case "template":
		return render(f.tmpls[i], row, v)
	}
	return v
}

// titleCase upper-cases the first letter of every word and lower-cases
// the rest, keeping apostrophes and hyphens as word-internal: "o'neil-SMITH"
// becomes "O'Neil-Smith".
func titleCase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := true
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		switch {
		case unicode.IsLetter(r) && start:
			b.WriteRune(unicode.ToUpper(r))
			start = false
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
			start = unicode.IsSpace(r) || r == '-' || r == '\''
		}
	}
	return b.String()
}

// SplitName splits a full name into given and family names: "Ada
// Lovelace" -> (Ada, Lovelace); "Lovelace, Ada" -> (Ada, Lovelace); "Mary
// Ann van der Berg" -> (Mary Ann, van der Berg) for the common lower-case
// particles; a single word is a given name.
func SplitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	if l, f, ok := strings.Cut(full, ","); ok {
		return strings.TrimSpace(f), strings.TrimSpace(l)
	}
	words := strings.Fields(full)
	if len(words) <= 1 {
		return full, ""
	}
	cut := len(words) - 1
	for cut > 1 && isParticle(words[cut-1]) {
		cut--
	}
	return strings.Join(words[:cut], " "), strings.Join(words[cut:], " ")
}

func isParticle(w string) bool {
	switch strings.ToLower(w) {
	case "van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le", "bin", "al", "dos", "das", "ter", "ten":
		return true
	}
	return false
}
