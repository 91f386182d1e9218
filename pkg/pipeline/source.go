// Package pipeline wires one run of a pipeline: source, mapping, phone
// normalization, rejects, and (for push pipelines) diff and push. It
// returns summaries; the command line renders them.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"

	"github.com/alexsync/alexsync/pkg/config"
	"github.com/alexsync/alexsync/pkg/record"
	csvsource "github.com/alexsync/alexsync/pkg/source/csv"
	sqlsource "github.com/alexsync/alexsync/pkg/source/sql"
	xlsxsource "github.com/alexsync/alexsync/pkg/source/xlsx"
)

// Source is an open source with what the pipeline needs besides rows.
type Source struct {
	record.Reader
	Type     string             // csv, xlsx or sql
	Name     string             // file path, or "sql:<driver>"
	Dialect  *csvsource.Dialect // csv only: to write rejects back alike
	Warnings []string
	sql      *sqlsource.Reader
}

// MaxCursor returns the SQL source's cursor after reading ("" otherwise).
func (s *Source) MaxCursor() string {
	if s.sql == nil {
		return ""
	}
	return s.sql.MaxCursor()
}

// OpenSource opens the pipeline's source. cursor is the SQL cursor stored
// by the last successful run ("" on the first run).
func OpenSource(ctx context.Context, p *config.Pipeline, cursor string) (*Source, error) {
	s := p.Source
	switch s.Type {
	case "csv":
		opts := csvsource.Options{Encoding: s.Encoding, HeaderRow: s.HeaderRow}
		switch {
		case s.Delimiter == "tab":
			opts.Delimiter = '\t'
		case s.Delimiter != "":
			opts.Delimiter, _ = utf8.DecodeRuneInString(s.Delimiter)
		}
		r, err := csvsource.Open(s.Path, opts)
		if err != nil {
			return nil, err
		}
		d := r.Dialect()
		return &Source{Reader: r, Type: "csv", Name: s.Path, Dialect: &d, Warnings: r.Warnings()}, nil
	case "xlsx":
		r, err := xlsxsource.Open(s.Path, xlsxsource.Options{Sheet: s.Sheet, SheetIndex: s.SheetIndex, HeaderRow: s.HeaderRow})
		if err != nil {
			return nil, err
		}
		return &Source{Reader: r, Type: "xlsx", Name: s.Path}, nil
	case "sql":
		dsn, err := p.SourceDSN()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNoDSN, err)
		}
		params := make(map[string]any, len(s.Params))
		for k, v := range maps.All(s.Params) {
			params[k] = v
		}
		r, err := sqlsource.Open(ctx, sqlsource.Options{Driver: s.Driver, DSN: dsn, Query: s.Query, Params: params, CursorColumn: s.CursorColumn, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		return &Source{Reader: r, Type: "sql", Name: "sql:" + s.Driver, sql: r}, nil
	}
	return nil, fmt.Errorf("source type %q is not csv, xlsx or sql", s.Type)
}

// errNoDSN marks a SQL source whose connection string is not configured.
var errNoDSN = errors.New("no database connection string")

// describe names the source for people: the file, or the driver and the
// query's first line.
func describe(p *config.Pipeline) string {
	if p.Source.Type == "sql" {
		first, _, _ := strings.Cut(strings.TrimSpace(p.Source.Query), "\n")
		return fmt.Sprintf("%s query %q", p.Source.Driver, first)
	}
	return p.Source.Path
}
