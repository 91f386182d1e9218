package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/prepare"
	"github.com/alexsync/alexsync/pkg/record"
	"github.com/alexsync/alexsync/pkg/sink/rejects"
)

// ValidateOptions are the choices of `alexsync validate`.
type ValidateOptions struct {
	// Normalized, when set, is a CSV file to write the contacts to, exactly
	// as they would be sent.
	Normalized string
}

// ValidateSummary is what `alexsync validate` reports.
type ValidateSummary struct {
	Pipeline   string    `json:"pipeline"`
	Source     string    `json:"source"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Extract
	Rejects    string `json:"rejects,omitempty"`    // the rejects file, "" when nothing was rejected
	Normalized string `json:"normalized,omitempty"` // the normalized contacts file, when asked for
}

// Validate reads the whole source through mapping and normalization,
// writes the rejects (and, if asked, the normalized contacts), and makes
// no API request.
func Validate(ctx context.Context, p *config.Pipeline, opts ValidateOptions) (*ValidateSummary, error) {
	if p.Kind != config.KindPushContacts {
		return nil, configError{fmt.Errorf("%s: validate reads contact sources; this pipeline is kind %s", p.Path, p.Kind)}
	}
	sum := &ValidateSummary{Pipeline: p.Name, Source: describe(p), StartedAt: time.Now().UTC()}
	ex, err := openExtract(ctx, p, "")
	if err != nil {
		return nil, err
	}
	defer ex.src.Close()
	sum.Warnings = ex.warnings
	rej, err := openRejects(ex.src, p.Rejects, ex.mapper.PhoneColumns())
	if err != nil {
		return nil, fmt.Errorf("rejects file: %w", err)
	}
	var norm *normalizedWriter
	if opts.Normalized != "" {
		if norm, err = newNormalizedWriter(opts.Normalized, ex.mapping.Fields.MetadataOrder); err != nil {
			rej.Close()
			return nil, fmt.Errorf("normalized file: %w", err)
		}
	}
	err = validateRows(ctx, p, ex, &sum.Extract, rej, norm)
	sum.noteHeaderOnly(ex.src)
	if cerr := rej.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("rejects file: %w", cerr)
	}
	if norm != nil {
		if err != nil {
			norm.abort()
		} else if err = norm.close(); err == nil {
			sum.Normalized = opts.Normalized
		}
	}
	if err != nil {
		return nil, err
	}
	if sum.Rejected > 0 {
		sum.Rejects = p.Rejects
	}
	sum.FinishedAt = time.Now().UTC()
	return sum, nil
}

func validateRows(ctx context.Context, p *config.Pipeline, ex *extractor, sum *Extract, rej rejects.Writer, norm *normalizedWriter) error {
	dd := prepare.NewDeduper(p.Duplicates)
	emit := func(keep []prepare.Prepared, drop []*record.RowError) error {
		for _, re := range drop {
			sum.reject(re, true)
			if err := writeReject(rej, re); err != nil {
				return err
			}
		}
		for _, k := range keep {
			sum.valid(k)
			if norm != nil {
				if err := norm.write(k); err != nil {
					return fmt.Errorf("normalized file: %w", err)
				}
			}
		}
		return nil
	}
	err := prepare.Stream(ctx, ex.src, ex.prep, workers(), nil, func(it prepare.Item) error {
		sum.Read++
		if it.Err != nil {
			sum.reject(it.Err, false)
			return writeReject(rej, it.Err)
		}
		return emit(dd.Add(it.Prepared))
	})
	if err != nil {
		return err
	}
	return emit(dd.Finish())
}

func writeReject(w rejects.Writer, re *record.RowError) error {
	msg := re.Code
	if re.Err != nil {
		msg = re.Err.Error()
	}
	if err := w.Write(re.Values, re.Line, re.Code, msg); err != nil {
		return fmt.Errorf("rejects file: %w", err)
	}
	return nil
}
