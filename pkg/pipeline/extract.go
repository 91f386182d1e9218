package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/mapping"
	"github.com/alexsync/alexsync/pkg/phone"
	"github.com/alexsync/alexsync/pkg/prepare"
	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/redact"
)

// ErrConfig is matched by every error that comes from the pipeline's
// configuration not fitting its source (a missing column, an unknown
// region): fix the files, exit 2.
var ErrConfig = errors.New("configuration error")

// configError wraps err so that errors.Is(err, ErrConfig) holds.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() []error {
	return []error{e.err, ErrConfig}
}

// Extract counts what reading a source through its mapping and phone
// normalization gave.
type Extract struct {
	Read       int            `json:"read"`
	Valid      int            `json:"valid"`
	Repaired   int            `json:"repaired"`
	Rejected   int            `json:"rejected"`
	Duplicates int            `json:"duplicates"`
	RejectedBy map[string]int `json:"rejected_by"`
	RepairedBy map[string]int `json:"repaired_by"`
	// FirstRejects are the first few rejects, masked for a terminal.
	FirstRejects []RejectNote `json:"first_rejects"`
	Warnings     []string     `json:"warnings,omitempty"`
}

// RejectNote is one rejected row, its message masked.
type RejectNote struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

const maxRejectNotes = 10

func (e *Extract) reject(re *record.RowError, dup bool) {
	e.Rejected++
	if dup {
		e.Duplicates++
	}
	if e.RejectedBy == nil {
		e.RejectedBy = map[string]int{}
	}
	e.RejectedBy[re.Code]++
	if len(e.FirstRejects) < maxRejectNotes {
		msg := re.Code
		if re.Err != nil {
			msg = re.Err.Error()
		}
		e.FirstRejects = append(e.FirstRejects, RejectNote{Line: re.Line, Column: re.Column, Code: re.Code, Message: redact.Text(msg)})
	}
}

// noteHeaderOnly warns when a file source had a header but no data rows,
// a classic accident (an export cut short, the wrong tab) that would
// otherwise end as a quiet "0 rows read". A SQL query may rightly return
// nothing (an incremental cursor), so it is not warned about.
func (e *Extract) noteHeaderOnly(src *Source) {
	if e.Read == 0 && src.Type != "sql" {
		e.Warnings = append(slices.Clip(e.Warnings), src.Name+": the source has a header but no data rows")
	}
}

func (e *Extract) valid(p prepare.Prepared) {
	e.Valid++
	if len(p.Phone.Repairs) > 0 {
		e.Repaired++
		if e.RepairedBy == nil {
			e.RepairedBy = map[string]int{}
		}
		for _, r := range p.Phone.Repairs {
			e.RepairedBy[string(r)]++
		}
	}
}

// extractor is an opened source with its compiled mapping.
type extractor struct {
	src      *Source
	mapper   *mapping.Mapper
	prep     *prepare.Preparer
	mapping  *config.Mapping
	warnings []string
}

// openExtract opens the source and compiles the mapping against its
// header: every configuration error surfaces here, before any row.
func openExtract(ctx context.Context, p *config.Pipeline, cursor string) (*extractor, error) {
	m, err := p.LoadMapping()
	if err != nil {
		return nil, configError{err}
	}
	accept := phone.AcceptValid
	if p.Phone.Accept == "possible" {
		accept = phone.AcceptPossible
	}
	norm, err := phone.New(phone.Options{DefaultRegion: p.Phone.DefaultRegion, Accept: accept, AllowVanity: p.Phone.AllowVanity})
	if err != nil {
		return nil, configError{fmt.Errorf("%s: phone.default_region: %w", p.Path, err)}
	}
	src, err := OpenSource(ctx, p, cursor)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNoDSN) {
		return nil, configError{err}
	}
	if err != nil {
		return nil, err
	}
	mapper, warnings, err := mapping.Compile(m, src.Header())
	if err != nil {
		src.Close()
		return nil, configError{fmt.Errorf("mapping does not fit %s:\n%w", describe(p), err)}
	}
	return &extractor{src: src, mapper: mapper, prep: prepare.New(mapper, norm), mapping: m,
		warnings: append(src.Warnings, warnings...)}, nil
}

// workers is how many goroutines normalize phones: phone parsing is the
// costly step and scales with cores.
func workers() int { return runtime.GOMAXPROCS(0) }
