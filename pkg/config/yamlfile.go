package config

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/alexsync/alexsync/pkg/closest"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileError is a configuration error in a file, at a line when known.
type FileError struct {
	Path string
	Line int // 0 when the error is about the whole file
	Err  error
}

// Error formats the error as "path:line: message"; each line of a
// message of several (several problems found at once) names the file.
func (e *FileError) Error() string {
	prefix := e.Path + ": "
	if e.Line > 0 {
		prefix = fmt.Sprintf("%s:%d: ", e.Path, e.Line)
	}
	lines := strings.Split(e.Err.Error(), "\n")
	for i, l := range lines {
		if i == 0 || !strings.HasPrefix(l, e.Path) {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// lineError is an error at a line of the file being decoded; decodeFile
// turns it into a FileError.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

func atLine(n *yaml.Node, format string, args ...any) error {
	return &lineError{line: n.Line, err: fmt.Errorf(format, args...)}
}

// maxConfigBytes bounds a configuration file: these are hand-written.
const maxConfigBytes = 1 << 20

// nodeCheck inspects a document as written, before ${VAR} expansion, and
// returns an error (at a line, through atLine) to refuse it.
type nodeCheck func(root *yaml.Node) error

// decodeFile reads a YAML file into out: ${VAR} and ${VAR:-default} in
// values are expanded from the environment (after parsing, so a variable
// can never inject YAML structure), and every key must be known. Errors
// are *FileError naming path, and the line when there is one.
func decodeFile(path string, out any, checks ...nodeCheck) error {
	b, err := readConfig(path)
	if err != nil {
		return err
	}
	return decodeNamed(path, b, out, checks...)
}

// readConfig reads a configuration file of at most maxConfigBytes.
func readConfig(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: unwrapPathError(err)}
	}
	if len(b) > maxConfigBytes {
		return nil, &FileError{Path: path, Err: fmt.Errorf("file is larger than %d bytes; is it really a configuration file?", maxConfigBytes)}
	}
	return b, nil
}

// decodeNamed decodes b, the content of the file path, as decodeFile does.
func decodeNamed(path string, b []byte, out any, checks ...nodeCheck) error {
	if err := decodeBytes(b, out, checks...); err != nil {
		var le *lineError
		if errors.As(err, &le) {
			return &FileError{Path: path, Line: le.line, Err: le.err}
		}
		return &FileError{Path: path, Err: err}
	}
	return nil
}

// unwrapPathError drops the path from an *fs.PathError, which FileError
// already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot read the file: %w", pe.Err)
	}
	return err
}

// decodeBytes decodes one YAML document into out: checks run on the
// document as written, then values are expanded and keys checked.
func decodeBytes(b []byte, out any, checks ...nodeCheck) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" { // untyped io.EOF from the decoder: an empty document
			return errors.New("file is empty")
		}
		return yamlError(err)
	}
	// A document of only "---" (and comments) parses as an implicit null
	// placed on the line after the marker, which may not exist: it is empty.
	if len(doc.Content) == 0 || isImplicitNull(doc.Content[0]) {
		return errors.New("file is empty")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return atLine(root, "want a mapping of keys to values at the top level")
	}
	for _, check := range checks {
		if err := check(root); err != nil {
			return err
		}
	}
	if err := expandEnv(root); err != nil {
		return err
	}
	if err := checkKnown(root, reflect.TypeOf(out).Elem()); err != nil {
		return err
	}
	if err := root.Decode(out); err != nil {
		return yamlError(err)
	}
	return nil
}

// isImplicitNull reports whether n is a null written as nothing at all.
func isImplicitNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Style == 0
}

// yamlLine matches the "line N:" the YAML library puts in its messages
// (its errors are untyped, so the text is all there is).
var yamlLine = regexp.MustCompile(`line (\d+): `)

func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		var n int
		fmt.Sscanf(m[1], "%d", &n)
		return &lineError{line: n, err: errors.New(strings.TrimSpace(yamlLine.ReplaceAllString(msg, "")))}
	}
	return errors.New(msg)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${VAR} and ${VAR:-default} in every scalar value.
func expandEnv(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		var missing []string
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			m := envRef.FindStringSubmatch(ref)
			if v, ok := os.LookupEnv(m[1]); ok && v != "" {
				return v
			}
			if m[2] != "" {
				return m[3]
			}
			missing = append(missing, m[1])
			return ""
		})
		if len(missing) > 0 {
			return atLine(n, "environment variable %s is not set (use ${%s:-default} for an optional one)", missing[0], missing[0])
		}
	}
	for _, c := range n.Content {
		if err := expandEnv(c); err != nil {
			return err
		}
	}
	return nil
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

// checkKnown reports the first mapping key that has no field in t, with
// its line and the keys that are allowed. Types with their own
// UnmarshalYAML check themselves.
func checkKnown(n *yaml.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || n.Kind == yaml.AliasNode {
		return nil
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				known := sortedKeys(fields)
				if best, close := closest.Match(k.Value, known); close {
					return atLine(k, "unknown key %q; did you mean %q?", k.Value, best)
				}
				return atLine(k, "unknown key %q (known keys here: %s)", k.Value, strings.Join(known, ", "))
			}
			if err := checkKnown(v, ft); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			if err := checkKnown(n.Content[i], t.Elem()); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			if err := checkKnown(c, t.Elem()); err != nil {
				return err
			}
		}
	}
	return nil
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
