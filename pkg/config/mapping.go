package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Mapping says how source columns become contact fields. See the README's
// mapping reference for the file format.
type Mapping struct {
	// Key lists the external key column(s); their values, joined, tie a
	// row to its contact across runs. Empty: the normalized phone.
	Key StringList `yaml:"key"`
	// Fields maps contact fields to how each is computed.
	Fields Fields `yaml:"fields"`
	// RegionColumn optionally names a per-row country column (ISO code or
	// English name) that overrides the pipeline's default phone region.
	RegionColumn Region `yaml:"region_column"`
	// Path is the file the mapping came from ("" when inline).
	Path string `yaml:"-"`
	// file is the pipeline file an inline mapping is written in; see File.
	// Unexported, so it stays out of the JSON that fingerprints a mapping.
	file string
}

// ContactFields are the contact fields a mapping may set, in the order
// they are reported.
var ContactFields = []string{"first_name", "last_name", "phone", "email", "company", "title", "tags"}

// Fields is the "fields" section: one FieldSpec per contact field, and
// Metadata, a FieldSpec per metadata name.
type Fields struct {
	Specs    map[string]FieldSpec
	Metadata map[string]FieldSpec
	// Order is the metadata names as written, so output columns are stable.
	MetadataOrder []string
}

// UnmarshalYAML decodes the fields section, refusing unknown field names.
func (f *Fields) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return atLine(n, "fields: want a mapping of contact field to column")
	}
	f.Specs = map[string]FieldSpec{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Value == "metadata":
			if v.Kind != yaml.MappingNode {
				return atLine(v, "metadata: want a mapping of metadata name to column, e.g. {crm_id: Record ID}")
			}
			f.Metadata = map[string]FieldSpec{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				var s FieldSpec
				if err := s.UnmarshalYAML(v.Content[j+1]); err != nil {
					return err
				}
				name := v.Content[j].Value
				f.Metadata[name] = s
				f.MetadataOrder = append(f.MetadataOrder, name)
			}
		case slices.Contains(ContactFields, k.Value):
			var s FieldSpec
			if err := s.UnmarshalYAML(v); err != nil {
				return err
			}
			f.Specs[k.Value] = s
		default:
			return atLine(k, "unknown contact field %q (fields: %s, metadata)", k.Value, strings.Join(ContactFields, ", "))
		}
	}
	return nil
}

// FieldSpec says how one field's value is computed from a row:
//   - from Columns, the first non-empty one (Detect: the same over the
//     candidate names that exist in the header; none is not an error
//     except for first_name and phone), then Transforms in order;
//   - or from Template, "{Column Name}" placeholders filled from the row;
//   - or the constant Value.
//
// Default is used when the result is empty. Split cuts a tags column into
// several tags.
type FieldSpec struct {
	Columns    []string
	Detect     []string
	Value      []string
	Template   string
	Default    string
	Split      string
	Transforms []Transform
	Line       int // where the spec is in its file
}

// Transform is one step applied to a value: Name is one of
// TransformNames; Arg is the argument of "default" and "template".
type Transform struct {
	Name string
	Arg  string
}

// TransformNames are the transforms a mapping may use.
var TransformNames = []string{"trim", "lower", "upper", "title", "collapse_spaces", "split_name", "default", "template"}

// UnmarshalYAML accepts "Column", "[Col A, Col B]", or a mapping with
// column(s), detect, value, template, default, split and transform.
func (s *FieldSpec) UnmarshalYAML(n *yaml.Node) error {
	*s = FieldSpec{Line: n.Line}
	switch n.Kind {
	case yaml.ScalarNode:
		s.Columns = []string{n.Value}
		return s.validate(n)
	case yaml.SequenceNode:
		cols, err := scalars(n)
		s.Columns = cols
		if err != nil {
			return err
		}
		return s.validate(n)
	case yaml.MappingNode:
	default:
		return atLine(n, "want a column name, a list of column names, or a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if err := s.setKey(n.Content[i], n.Content[i+1]); err != nil {
			return err
		}
	}
	return s.validate(n)
}

func (s *FieldSpec) setKey(k, v *yaml.Node) error {
	var err error
	switch k.Value {
	case "column", "columns":
		s.Columns, err = scalars(v)
	case "detect":
		s.Detect, err = scalars(v)
	case "value":
		s.Value, err = scalars(v)
	case "template":
		s.Template, err = scalar(v)
	case "default":
		s.Default, err = scalar(v)
	case "split":
		s.Split, err = scalar(v)
	case "transform", "transforms":
		s.Transforms, err = transforms(v)
	default:
		return atLine(k, "unknown key %q in a field (keys: column, columns, detect, value, template, default, split, transform)", k.Value)
	}
	return err
}

func (s *FieldSpec) validate(n *yaml.Node) error {
	sources := 0
	for _, has := range []bool{len(s.Columns) > 0, len(s.Detect) > 0, len(s.Value) > 0, s.Template != ""} {
		if has {
			sources++
		}
	}
	if sources != 1 {
		return atLine(n, "a field takes exactly one of column(s), detect, value or template")
	}
	if slices.Contains(s.Columns, "") {
		return atLine(n, "empty column name")
	}
	return nil
}

// scalars reads a scalar or a sequence of scalars.
func scalars(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, atLine(c, "want a plain value in this list")
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, atLine(n, "want a value or a list of values")
}

func scalar(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", atLine(n, "want a single value")
	}
	return n.Value, nil
}

// transforms reads a transform or a list of them; each is a name, or a
// one-key mapping {default: "..."} / {template: "..."}.
func transforms(n *yaml.Node) ([]Transform, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []Transform
	for _, it := range items {
		var t Transform
		switch {
		case it.Kind == yaml.ScalarNode:
			t.Name = it.Value
		case it.Kind == yaml.MappingNode && len(it.Content) == 2:
			t.Name, t.Arg = it.Content[0].Value, it.Content[1].Value
			if t.Name != "default" && t.Name != "template" {
				return nil, atLine(it, "transform %q takes no argument", t.Name)
			}
		default:
			return nil, atLine(it, "want a transform name, or {default: ...} / {template: ...}")
		}
		if !slices.Contains(TransformNames, t.Name) {
			return nil, atLine(it, "unknown transform %q (transforms: %s)", t.Name, strings.Join(TransformNames, ", "))
		}
		out = append(out, t)
	}
	return out, nil
}

// Region is the region_column setting: a column name, which must exist,
// or {detect: [names...]}, the first that exists (none: no per-row region).
type Region struct {
	Column string
	Detect []string
}

// UnmarshalYAML accepts a column name or {detect: [...]}.
func (r *Region) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Column = n.Value
		return nil
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "detect" {
		v, err := scalars(n.Content[1])
		r.Detect = v
		return err
	}
	return atLine(n, "region_column: want a column name or {detect: [names...]}")
}

// StringList is a YAML value that is one string or a list of strings.
type StringList []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	v, err := scalars(n)
	*l = v
	return err
}

// LoadMapping reads and validates a mapping file. Errors are *FileError
// naming path, and the line when there is one.
func LoadMapping(path string) (*Mapping, error) {
	b, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	return parseMapping(path, b)
}

// parseMapping decodes and validates b, the content of mapping file path.
func parseMapping(path string, b []byte) (*Mapping, error) {
	var m Mapping
	if err := decodeNamed(path, b, &m); err != nil {
		return nil, err
	}
	m.Path = path
	if err := m.validate(); err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return &m, nil
}

func (m *Mapping) validate() error {
	for _, required := range []string{"first_name", "phone"} {
		if _, ok := m.Fields.Specs[required]; !ok {
			return fmt.Errorf("fields: %s is required (the API refuses a contact without it)", required)
		}
	}
	if slices.Contains(m.Key, "") {
		return fmt.Errorf("key: empty column name")
	}
	return nil
}

// File returns the file the mapping is written in, for error messages
// whose lines count in that file: Path, or for an inline mapping loaded
// by Pipeline.LoadMapping the pipeline file; "inline mapping" when the
// mapping was built in code.
func (m *Mapping) File() string {
	switch {
	case m.Path != "":
		return m.Path
	case m.file != "":
		return m.file
	}
	return "inline mapping"
}

// Name returns the mapping's file name without extension, or "inline".
func (m *Mapping) Name() string {
	if m.Path == "" {
		return "inline"
	}
	return strings.TrimSuffix(filepath.Base(m.Path), filepath.Ext(m.Path))
}
