// Package mapping applies a mapping file to source rows: it resolves the
// mapping's column names against a source header once, then turns each
// row into contact fields with pure functions.
package mapping

import (
	"errors"
	"fmt"
	"github.com/alexsync/alexsync/pkg/closest"
	"regexp"
	"slices"
	"strings"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/record"
)

// Mapper is a mapping compiled against one source header. It is immutable
// and safe for concurrent use.
type Mapper struct {
	fields       map[string]*field // contact field name -> how to compute it
	order        []contactField    // the same, as a list: Apply's loop
	metadata     []namedField      // in the order written
	key          []int             // key column indices; empty: key by phone
	keyNames     []string
	region       int // region column index, -1 if none
	header       []string
	phoneColumns []string // for error messages
}

type namedField struct {
	name string
	f    *field
}

// contactField is a field with the contact field it sets: a string
// field, or tags.
type contactField struct {
	f      *field
	tags   bool
	target func(*record.Contact) *string
}

// field is a FieldSpec with columns resolved to indices.
type field struct {
	target     string
	columns    []int // first non-empty wins
	value      []string
	template   []piece
	def        string
	split      string
	transforms []config.Transform
	tmpls      map[int][]piece // compiled "template" transforms, by position
}

// piece is a literal, or a column (col >= 0), or the value being
// transformed (col == valuePiece).
type piece struct {
	lit string
	col int
}

const (
	literalPiece = -1
	valuePiece   = -2
)

// ConfigError is a mapping that does not fit the source: it is found
// before any row is read.
type ConfigError struct {
	Mapping string // the file the mapping is written in: its own, or the pipeline's when inline
	Line    int    // line of the field in that file, 0 if unknown
	Err     error
}

// Error formats the error as "mapping.yaml:7: message".
func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Mapping, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Mapping, e.Err)
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// Compile resolves m against header. Every column the mapping names must
// exist (a list of alternatives needs at least one; the missing ones are
// returned as warnings), and first_name and phone must resolve; otherwise
// the error names the column and suggests the closest existing header.
func Compile(m *config.Mapping, header []string) (*Mapper, []string, error) {
	c := &compiler{m: m, h: record.NewHeader(header), header: header}
	mp := &Mapper{fields: map[string]*field{}, region: -1, header: header}
	for _, name := range config.ContactFields {
		spec, ok := m.Fields.Specs[name]
		if !ok {
			continue
		}
		if f := c.field(name, spec); f != nil {
			mp.fields[name] = f
			cf := contactField{f: f, tags: name == "tags"}
			if !cf.tags {
				cf.target = fieldOf(name)
			}
			mp.order = append(mp.order, cf)
		}
	}
	for _, name := range m.Fields.MetadataOrder {
		if f := c.field("metadata."+name, m.Fields.Metadata[name]); f != nil {
			mp.metadata = append(mp.metadata, namedField{name, f})
		}
	}
	for _, k := range m.Key {
		if i, ok := c.column(k, 0, "key"); ok {
			mp.key = append(mp.key, i)
			mp.keyNames = append(mp.keyNames, header[i])
		}
	}
	switch rc := m.RegionColumn; {
	case rc.Column != "":
		if i, ok := c.column(rc.Column, 0, "region_column"); ok {
			mp.region = i
		}
	case len(rc.Detect) > 0:
		if cols := detect(rc.Detect, header); len(cols) > 0 {
			mp.region = cols[0]
		}
	}
	for _, required := range []string{"first_name", "phone"} {
		if _, ok := mp.fields[required]; !ok && !c.failedField[required] {
			c.fail(0, "no column for %s", required)
		}
	}
	if f := mp.fields["phone"]; f != nil {
		for _, i := range f.columns {
			mp.phoneColumns = append(mp.phoneColumns, header[i])
		}
	}
	if len(c.errs) > 0 {
		return nil, c.warnings, errors.Join(c.errs...)
	}
	return mp, c.warnings, nil
}

type compiler struct {
	m           *config.Mapping
	h           *record.Header
	header      []string
	errs        []error
	warnings    []string
	failedField map[string]bool
}

func (c *compiler) fail(line int, format string, args ...any) {
	c.errs = append(c.errs, &ConfigError{Mapping: c.m.File(), Line: line, Err: fmt.Errorf(format, args...)})
}

// column resolves one named column, recording an error with a suggestion.
func (c *compiler) column(name string, line int, what string) (int, bool) {
	if i, ok := c.h.Index(name); ok {
		return i, true
	}
	c.fail(line, "%s: column %q is not in the source%s", what, name, suggest(name, c.header))
	return 0, false
}

func (c *compiler) field(target string, spec config.FieldSpec) *field {
	f := &field{target: target, value: spec.Value, def: spec.Default, split: spec.Split, transforms: spec.Transforms}
	before := len(c.errs)
	switch {
	case len(spec.Columns) == 1:
		if i, ok := c.column(spec.Columns[0], spec.Line, target); ok {
			f.columns = []int{i}
		}
	case len(spec.Columns) > 1:
		f.columns = c.alternatives(target, spec)
	case len(spec.Detect) > 0:
		cols := detect(spec.Detect, c.header)
		if len(cols) == 0 {
			if target != "first_name" && target != "phone" {
				return nil // optional: left empty
			}
			c.fail(spec.Line, "%s: no column looks like it (tried %s); name the column in the mapping%s",
				target, strings.Join(spec.Detect, ", "), columnList(c.header))
			break // marked failed below
		}
		f.columns = cols
	case spec.Template != "":
		f.template = c.template(target, spec.Template, spec.Line)
	}
	for i, t := range spec.Transforms {
		if t.Name == "template" {
			if f.tmpls == nil {
				f.tmpls = map[int][]piece{}
			}
			f.tmpls[i] = c.template(target, t.Arg, spec.Line)
		}
	}
	if len(c.errs) > before {
		if c.failedField == nil {
			c.failedField = map[string]bool{}
		}
		c.failedField[target] = true
		return nil
	}
	return f
}

func (c *compiler) alternatives(target string, spec config.FieldSpec) []int {
	var cols []int
	var missing []string
	for _, name := range spec.Columns {
		if i, ok := c.h.Index(name); ok {
			cols = append(cols, i)
		} else {
			missing = append(missing, fmt.Sprintf("%q", name))
		}
	}
	if len(cols) == 0 {
		c.fail(spec.Line, "%s: none of the columns %s is in the source%s", target, strings.Join(missing, ", "), suggest(spec.Columns[0], c.header))
		return nil
	}
	if len(missing) > 0 {
		c.warnings = append(c.warnings, fmt.Sprintf("%s: column(s) %s not in the source; using the others", target, strings.Join(missing, ", ")))
	}
	return cols
}

var placeholder = regexp.MustCompile(`\{([^{}]+)\}`)

// template splits "{First} {Last}" into pieces with columns resolved;
// "{value}" stands for the value being transformed.
func (c *compiler) template(target, tmpl string, line int) []piece {
	var out []piece
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(tmpl, -1) {
		if m[0] > last {
			out = append(out, piece{lit: tmpl[last:m[0]], col: literalPiece})
		}
		name := tmpl[m[2]:m[3]]
		switch i, ok := c.h.Index(name); {
		case ok:
			out = append(out, piece{col: i})
		case name == "value":
			out = append(out, piece{col: valuePiece})
		default:
			c.fail(line, "%s: template column {%s} is not in the source%s", target, name, suggest(name, c.header))
		}
		last = m[1]
	}
	if last < len(tmpl) {
		out = append(out, piece{lit: tmpl[last:], col: literalPiece})
	}
	return out
}

// detect returns the columns whose names are among the candidates, in
// candidate order (so the first non-empty one wins per row), comparing
// names without case, spaces, underscores, dashes and dots.
func detect(candidates, header []string) []int {
	squashed := make([]string, len(header))
	for i, h := range header {
		squashed[i] = closest.Squash(h)
	}
	var cols []int
	for _, cand := range candidates {
		if i := slices.Index(squashed, closest.Squash(cand)); i >= 0 && !slices.Contains(cols, i) {
			cols = append(cols, i)
		}
	}
	return cols
}

// suggest returns `; did you mean "X"?` for the closest header name, or
// the list of headers when nothing is close.
func suggest(name string, header []string) string {
	if best, ok := closest.Match(name, header); ok {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return columnList(header)
}

// columnList names the source's columns, for messages: " (columns: ...)".
func columnList(header []string) string {
	if len(header) <= 12 {
		return fmt.Sprintf(" (columns: %s)", quoteAll(header))
	}
	return fmt.Sprintf(" (%d columns, e.g. %s)", len(header), quoteAll(header[:8]))
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
