package config

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/alexsync/alexsync/pkg/plan"
)

// Pipeline kinds.
const (
	KindPushContacts   = "push-contacts"
	KindPullCalls      = "pull-calls"
	KindExportContacts = "export-contacts"
)

// Adopt modes: when the account is listed for adoption.
const (
	AdoptFirstRun = "first_run"
	AdoptAlways   = "always"
)

// Kinds lists the pipeline kinds.
var Kinds = []string{KindPushContacts, KindPullCalls, KindExportContacts}

// Pipeline is one pipeline file, validated, with defaults applied and
// every relative path resolved against the file's directory.
type Pipeline struct {
	Version    int        `yaml:"version"`
	Name       string     `yaml:"name"`
	Kind       string     `yaml:"kind"`
	Source     Source     `yaml:"source"`
	Mapping    MappingRef `yaml:"mapping"`
	Phone      Phone      `yaml:"phone"`
	Duplicates string     `yaml:"duplicates"` // first (default) | last | reject
	// Adopt says when the account's contacts are listed so that a create
	// whose phone the account already holds adopts that contact instead:
	// first_run (default: once, on the pipeline's first run) or always
	// (before every run that creates; one request per 100 contacts).
	Adopt      string  `yaml:"adopt"`
	Checkpoint string  `yaml:"checkpoint"` // file path, or a postgres:// URL
	API        API     `yaml:"api"`
	Rejects    string  `yaml:"rejects"`
	Deletes    Deletes `yaml:"deletes"`
	Guards     Guards  `yaml:"guards"`
	Calls      Calls   `yaml:"calls"`  // pull-calls
	Output     Output  `yaml:"output"` // pull-calls, export-contacts
	// JoinPipeline names the push pipeline (in the same checkpoint) whose
	// records map SmartAlex contact ids back to source keys and phones.
	JoinPipeline string `yaml:"join_pipeline"`

	Path string `yaml:"-"` // the pipeline file
}

// Calls configures a pull-calls pipeline.
type Calls struct {
	Since   time.Duration     `yaml:"since"`   // first run: how far back to start (default 720h)
	Settle  time.Duration     `yaml:"settle"`  // re-read this much before the cursor (default 2h)
	Details *bool             `yaml:"details"` // fetch summary, transcript, recording (default true)
	Filters map[string]string `yaml:"filters"` // status, agent_id, campaign_id, direction, sentiment
}

// WantDetails reports whether details are fetched (default true).
func (c Calls) WantDetails() bool { return c.Details == nil || *c.Details }

// Output says where a pull writes.
type Output struct {
	Type   string `yaml:"type"`    // csv | xlsx | sql
	Path   string `yaml:"path"`    // csv, xlsx
	Excel  bool   `yaml:"excel"`   // csv: a BOM and CRLF so Excel opens it right
	Driver string `yaml:"driver"`  // sql: sqlite | postgres | mysql
	DSN    string `yaml:"dsn"`     // sql: a sqlite file, or a DSN without a password
	DSNEnv string `yaml:"dsn_env"` // sql: the DSN from the environment
	// TablePrefix names the SQL output's tables: prefix + calls,
	// call_transcript_lines, contacts (default "smartalex_", so that an
	// output never lands in a CRM's own "contacts" table).
	TablePrefix *string `yaml:"table_prefix"`
}

// DefaultTablePrefix is the default of output.table_prefix.
const DefaultTablePrefix = "smartalex_"

// Prefix returns the SQL output's table prefix.
func (o Output) Prefix() string {
	if o.TablePrefix == nil {
		return DefaultTablePrefix
	}
	return *o.TablePrefix
}

// CallFilters are the filters a pull may set.
var CallFilters = []string{"status", "agent_id", "campaign_id", "direction", "sentiment"}

// Source says where rows come from. Which fields apply depends on Type.
type Source struct {
	Type string `yaml:"type"` // csv | xlsx | sql
	Path string `yaml:"path"` // csv, xlsx

	Delimiter string `yaml:"delimiter"`  // csv: one character or "tab"; default sniffed
	Encoding  string `yaml:"encoding"`   // csv: utf-8, utf-16le, utf-16be, windows-1252; default detected
	HeaderRow int    `yaml:"header_row"` // csv, xlsx: 1-based line/row of the header (default 1)

	Sheet      string `yaml:"sheet"`       // xlsx: by name
	SheetIndex int    `yaml:"sheet_index"` // xlsx: 1-based; default the first visible sheet

	Driver       string            `yaml:"driver"`        // sql: sqlite | postgres | mysql
	DSN          string            `yaml:"dsn"`           // sql: a sqlite file, or a DSN without a password
	DSNEnv       string            `yaml:"dsn_env"`       // sql: environment variable holding the DSN
	Query        string            `yaml:"query"`         // sql: SELECT with @named parameters
	Params       map[string]string `yaml:"params"`        // sql: values of the named parameters
	CursorColumn string            `yaml:"cursor_column"` // sql: read only rows changed since the last run
}

// Phone configures normalization.
type Phone struct {
	DefaultRegion string `yaml:"default_region"` // ISO 3166 alpha-2, e.g. US (required)
	Accept        string `yaml:"accept"`         // valid (default) | possible
	AllowVanity   bool   `yaml:"allow_vanity"`   // convert letters (1-800-FLOWERS)
}

// Deletes configures what happens to contacts whose row left the source.
type Deletes struct {
	Mode string `yaml:"mode"` // off (default) | delete | dnc
	Max  int    `yaml:"max"`  // most deletes in one run without --yes (default 50)
}

// Guards stop a run before it sends anything when the input looks wrong.
type Guards struct {
	MaxRejectRatio float64 `yaml:"max_reject_ratio"` // default 0.2
	MaxChangeRatio float64 `yaml:"max_change_ratio"` // default 0.5
	MinRows        int     `yaml:"min_rows"`         // default 0 (off)
}

// MappingRef is the mapping section: a path to a mapping file, or the
// mapping written inline.
type MappingRef struct {
	Path   string
	Inline *Mapping
}

// UnmarshalYAML accepts a path or an inline mapping.
func (r *MappingRef) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		r.Path = n.Value
		return nil
	case yaml.MappingNode:
		if err := checkKnown(n, reflect.TypeOf(Mapping{})); err != nil {
			return err
		}
		var m Mapping
		if err := n.Decode(&m); err != nil {
			return err
		}
		r.Inline = &m
		return nil
	}
	return atLine(n, "mapping: want a path to a mapping file or an inline mapping")
}

// Defaults, visible in one place.
const (
	DefaultWorkers        = 4
	DefaultDeleteMax      = 50
	DefaultMaxRejectRatio = 0.2
	DefaultMaxChangeRatio = 0.5
	DefaultCheckpoint     = ".alexsync/state.db"
)

// LoadPipeline reads, validates and resolves a pipeline file. Errors name
// the file and, where they can, the line. A postgres or mysql DSN with a
// password written in the file is refused (see checkInlineDSNs).
func LoadPipeline(path string) (*Pipeline, error) {
	var p Pipeline
	if err := decodeFile(path, &p, checkInlineDSNs); err != nil {
		return nil, pipelineHint(path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	p.Path = abs
	p.applyDefaults()
	if err := p.validate(); err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	p.resolvePaths()
	return &p, nil
}

// pipelineHint adds what the user probably did to a decode error of a
// file given as a pipeline: named a data file, or the mapping file.
func pipelineHint(path string, err error) error {
	var fe *FileError
	if !errors.As(err, &fe) {
		return err // missing or unreadable: the error says it
	}
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case ext != ".yaml" && ext != ".yml":
		return fmt.Errorf("%w (is %s a pipeline file? pipelines are YAML, such as pipelines/demo-import.yaml)", err, filepath.Base(path))
	case strings.Contains(err.Error(), `unknown key "fields"`) || strings.Contains(err.Error(), `unknown key "key"`):
		return fmt.Errorf("%w (this looks like a mapping file: run the pipeline file that names it under mapping:)", err)
	}
	return err
}

func (p *Pipeline) applyDefaults() {
	if p.Name == "" {
		p.Name = strings.TrimSuffix(filepath.Base(p.Path), filepath.Ext(p.Path))
	}
	if p.Kind == "" {
		p.Kind = KindPushContacts
	}
	if p.Duplicates == "" {
		p.Duplicates = "first"
	}
	if p.Adopt == "" {
		p.Adopt = AdoptFirstRun
	}
	if p.Phone.Accept == "" {
		p.Phone.Accept = "valid"
	}
	if p.API.Workers == 0 {
		p.API.Workers = DefaultWorkers
	}
	if p.Deletes.Mode == "" {
		p.Deletes.Mode = "off"
	}
	if p.Deletes.Max == 0 {
		p.Deletes.Max = DefaultDeleteMax
	}
	if p.Guards.MaxRejectRatio == 0 {
		p.Guards.MaxRejectRatio = DefaultMaxRejectRatio
	}
	if p.Guards.MaxChangeRatio == 0 {
		p.Guards.MaxChangeRatio = DefaultMaxChangeRatio
	}
	if p.Checkpoint == "" {
		p.Checkpoint = DefaultCheckpoint
	}
	if p.Calls.Since == 0 {
		p.Calls.Since = 720 * time.Hour
	}
	if p.Calls.Settle == 0 {
		p.Calls.Settle = 2 * time.Hour
	}
	if p.Rejects == "" {
		ext := ".csv"
		if p.Source.Type == "xlsx" {
			ext = ".xlsx"
		}
		p.Rejects = filepath.Join("out", p.Name+".rejects"+ext)
	}
}

func (p *Pipeline) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(p.Version == 0 || p.Version == 1, "version: %d is not supported (this alexsync reads version 1)", p.Version)
	check(slices.Contains(Kinds, p.Kind), "kind: %q is not one of %s", p.Kind, strings.Join(Kinds, ", "))
	switch p.Kind {
	case KindPushContacts:
		errs = append(errs, p.Source.validate()...)
		check(p.Mapping.Path != "" || p.Mapping.Inline != nil, "mapping: required (a path to a mapping file, e.g. ../mappings/generic.yaml)")
		check(p.Phone.DefaultRegion != "", "phone.default_region: required, the country of numbers written without a country code (e.g. US, GB)")
	case KindPullCalls, KindExportContacts:
		errs = append(errs, p.Output.validate()...)
		check(p.Source.Type == "" && p.Source.Path == "" && p.Source.Query == "", "source: a %s pipeline reads from the API and writes output: remove source", p.Kind)
		check(p.Mapping.Path == "" && p.Mapping.Inline == nil, "mapping: a %s pipeline maps nothing: remove mapping", p.Kind)
		check(p.Calls.Since >= 0 && p.Calls.Settle >= 0, "calls: since and settle must not be negative")
		for k := range p.Calls.Filters {
			check(slices.Contains(CallFilters, k), "calls.filters: %q is not one of %s", k, strings.Join(CallFilters, ", "))
		}
	}
	check(slices.Contains([]string{"valid", "possible"}, p.Phone.Accept), "phone.accept: %q is not valid or possible", p.Phone.Accept)
	check(slices.Contains([]string{"first", "last", "reject"}, p.Duplicates), "duplicates: %q is not first, last or reject", p.Duplicates)
	check(p.API.InFlightSettle >= 0, "api.in_flight_settle: must not be negative")
	check(p.Adopt == AdoptFirstRun || p.Adopt == AdoptAlways, "adopt: %q is not %s or %s", p.Adopt, AdoptFirstRun, AdoptAlways)
	check(slices.Contains([]string{"off", "delete", "dnc"}, p.Deletes.Mode), "deletes.mode: %q is not off, delete or dnc", p.Deletes.Mode)
	check(p.Deletes.Max > 0, "deletes.max: must be positive")
	check(p.Guards.MaxRejectRatio > 0 && p.Guards.MaxRejectRatio <= 1, "guards.max_reject_ratio: want a ratio in (0, 1]")
	check(p.Guards.MaxChangeRatio > 0 && p.Guards.MaxChangeRatio <= 1, "guards.max_change_ratio: want a ratio in (0, 1]")
	check(p.Guards.MinRows >= 0, "guards.min_rows: must not be negative")
	check(p.API.Workers >= 1 && p.API.Workers <= 64, "api.workers: %d is outside 1..64", p.API.Workers)
	check(p.API.PerMinute >= 0 && p.API.PerDay >= 0 && p.API.ContactCap >= 0, "api: per_minute, per_day and contact_cap must not be negative")
	check(p.API.Minute >= 0 && p.API.Day >= 0, "api: minute and day must not be negative")
	if _, err := plan.Lookup(p.API.Plan); err != nil {
		errs = append(errs, fmt.Errorf("api.plan: %w", err))
	}
	if p.API.BaseURL != "" {
		u, err := url.Parse(p.API.BaseURL)
		check(err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "", "api.base_url: %q is not an http(s) URL", p.API.BaseURL)
	}
	return errors.Join(errs...)
}

func (o *Output) validate() []error {
	var errs []error
	switch o.Type {
	case "csv", "xlsx":
		if o.Path == "" {
			errs = append(errs, fmt.Errorf("output.path: required for a %s output", o.Type))
		}
	case "sql":
		if !slices.Contains([]string{"sqlite", "postgres", "mysql"}, o.Driver) {
			errs = append(errs, fmt.Errorf("output.driver: %q is not sqlite, postgres or mysql", o.Driver))
		}
		if (o.DSN == "") == (o.DSNEnv == "") {
			errs = append(errs, fmt.Errorf("output: set exactly one of dsn and dsn_env"))
		}
	case "":
		errs = append(errs, fmt.Errorf("output.type: required (csv, xlsx or sql)"))
	default:
		errs = append(errs, fmt.Errorf("output.type: %q is not csv, xlsx or sql", o.Type))
	}
	return errs
}

// OutputDSN returns the SQL output's connection string.
func (p *Pipeline) OutputDSN() (string, error) {
	if p.Output.DSN != "" {
		return p.Output.DSN, nil
	}
	v := strings.TrimSpace(lookupEnv(p.Output.DSNEnv))
	if v == "" {
		return "", fmt.Errorf("output.dsn_env: environment variable %s is not set", p.Output.DSNEnv)
	}
	return v, nil
}

func (s *Source) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch s.Type {
	case "csv", "xlsx":
		if s.Path == "" {
			bad("source.path: required for a %s source", s.Type)
		}
	case "sql":
		if !slices.Contains([]string{"sqlite", "postgres", "mysql"}, s.Driver) {
			bad("source.driver: %q is not sqlite, postgres or mysql", s.Driver)
		}
		if (s.DSN == "") == (s.DSNEnv == "") {
			bad("source: set exactly one of dsn and dsn_env (dsn_env keeps passwords out of the file)")
		}
		if strings.TrimSpace(s.Query) == "" {
			bad("source.query: required for a sql source")
		}
	case "":
		bad("source.type: required (csv, xlsx or sql)")
	default:
		bad("source.type: %q is not csv, xlsx or sql", s.Type)
	}
	if s.Delimiter != "" && s.Delimiter != "tab" && utf8.RuneCountInString(s.Delimiter) != 1 {
		bad("source.delimiter: %q is not one character or \"tab\"", s.Delimiter)
	}
	if s.Encoding != "" && !slices.Contains([]string{"utf-8", "utf-16le", "utf-16be", "windows-1252"}, strings.ToLower(s.Encoding)) {
		bad("source.encoding: %q is not utf-8, utf-16le, utf-16be or windows-1252", s.Encoding)
	}
	if s.HeaderRow < 0 || s.SheetIndex < 0 {
		bad("source: header_row and sheet_index must not be negative")
	}
	return errs
}

// resolvePaths makes every relative path absolute against the pipeline's
// directory, so a pipeline runs the same from any working directory.
func (p *Pipeline) resolvePaths() {
	dir := filepath.Dir(p.Path)
	abs := func(s string) string {
		if s == "" || filepath.IsAbs(s) {
			return s
		}
		return filepath.Join(dir, s)
	}
	p.Source.Path = abs(p.Source.Path)
	p.Output.Path = abs(p.Output.Path)
	if p.Output.Driver == "sqlite" && p.Output.DSN != "" && !strings.Contains(p.Output.DSN, ":") {
		p.Output.DSN = abs(p.Output.DSN)
	}
	if p.Source.Driver == "sqlite" && p.Source.DSN != "" && !strings.Contains(p.Source.DSN, ":") {
		p.Source.DSN = abs(p.Source.DSN)
	}
	p.Mapping.Path = abs(p.Mapping.Path)
	if !strings.Contains(p.Checkpoint, "://") {
		p.Checkpoint = abs(p.Checkpoint)
	}
	p.Rejects = abs(p.Rejects)
	p.API.KeyFile = abs(p.API.KeyFile)
}

// LoadMapping returns the pipeline's mapping, reading its file if it is
// not inline. An inline mapping's File is the pipeline file.
func (p *Pipeline) LoadMapping() (*Mapping, error) {
	if p.Mapping.Inline != nil {
		m := *p.Mapping.Inline
		m.file = p.Path
		if err := m.validate(); err != nil {
			return nil, &FileError{Path: p.Path, Err: fmt.Errorf("mapping: %w", err)}
		}
		return &m, nil
	}
	return LoadMapping(p.Mapping.Path)
}

// SourceDSN returns the SQL source's connection string from dsn or the
// environment variable dsn_env.
func (p *Pipeline) SourceDSN() (string, error) {
	if p.Source.DSN != "" {
		return p.Source.DSN, nil
	}
	v := strings.TrimSpace(lookupEnv(p.Source.DSNEnv))
	if v == "" {
		return "", fmt.Errorf("source.dsn_env: environment variable %s is not set", p.Source.DSNEnv)
	}
	return v, nil
}
