// Package xlsx streams contact rows out of one worksheet of an XLSX
// workbook.
//
// The worksheet part is decoded token by token straight out of the zip
// archive, so memory stays flat however many rows the sheet has; only the
// workbook's metadata (sheet list, styles) and its shared-string table are
// held in memory, the latter compactly (one byte slice plus an offset per
// string).
//
// Values come out the way a person reading the sheet in Excel would type
// them back: numbers as their exact digits (never 1.5551234567E+10 or
// 15551234567.0), dates as RFC 3339, formulas as their cached results,
// booleans as TRUE/FALSE and text unchanged.
package xlsx

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alexsync/alexsync/pkg/record"
)

// Options choose the sheet and the header row. The zero value reads the
// first visible worksheet (hidden sheets and chart sheets are skipped)
// with its header on row 1; a sheet chosen by name or index is read even
// when hidden.
type Options struct {
	Sheet      string // sheet name (matched exactly, then case-insensitively); "" = unset
	SheetIndex int    // 1-based position among the workbook's sheets; 0 = unset
	HeaderRow  int    // 1-based sheet row holding the header; rows above it are skipped; 0 = 1
}

// Errors a Reader returns, always wrapped with the file's path (and the
// sheet where one is concerned); test them with errors.Is.
var (
	ErrNotWorkbook       = errors.New("not an XLSX workbook (it may be a CSV or an old .xls file)")
	ErrLegacyXLS         = errors.New("an old .xls (Excel 97-2003) workbook is not supported; save it as .xlsx")
	ErrPasswordProtected = errors.New("password-protected workbooks are not supported; save a copy without a password")
	ErrNoSheet           = errors.New("sheet not found")
	ErrEmpty             = errors.New("empty")
	ErrMalformed         = errors.New("malformed workbook")
	ErrClosed            = errors.New("reader is closed")
)

// Reader streams the rows of one worksheet. It implements record.Reader;
// it is not safe for concurrent use.
type Reader struct {
	path   string
	sheet  string
	file   *os.File // nil when reading from memory
	rows   *sheetDecoder
	conv   converter
	header []string
	err    error // sticky: io.EOF or a fatal error
	closed bool
}

var _ record.Reader = (*Reader)(nil)

// Open opens the workbook at path and positions the reader after the
// header row of the chosen sheet. Every error names path. A panic inside
// the decoder (which would be a bug) is recovered and returned as an
// ErrMalformed error, so one bad file never takes the process down.
func Open(path string, opts Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError already names the file
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r, err := openReaderAt(path, f, st.Size(), opts)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// openReaderAt opens a workbook held in ra; name is used in errors.
func openReaderAt(name string, ra io.ReaderAt, size int64, opts Options) (r *Reader, err error) {
	defer recoverInto(name, &err)
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := sniff(ra, size); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, ErrNotWorkbook)
	}
	r = &Reader{path: name}
	if err := r.open(zr, opts); err != nil {
		r.closeRows()
		return nil, err
	}
	return r, nil
}

// open loads the workbook metadata and reads the header.
func (r *Reader) open(z *zip.Reader, opts Options) error {
	wb, err := loadWorkbook(z)
	if err != nil {
		return r.wrap(err)
	}
	sh, err := wb.choose(opts)
	if err != nil {
		return r.wrap(err)
	}
	r.sheet = sh.name
	styles, err := loadStyles(wb.parts, wb.stylesPath)
	if err != nil {
		return r.wrap(err)
	}
	sst, err := loadSharedStrings(wb.parts, wb.sstPath)
	if err != nil {
		return r.wrap(err)
	}
	r.conv = converter{sst: sst, dates: styles, date1904: wb.date1904}
	part := wb.parts.find(sh.path)
	if part == nil {
		return r.wrapSheet(fmt.Errorf("%w: worksheet part %s is missing", ErrMalformed, sh.path))
	}
	if r.rows, err = openSheet(part); err != nil {
		return r.wrapSheet(fmt.Errorf("%w: %v", ErrMalformed, err))
	}
	return r.readHeader(opts.headerRow())
}

// readHeader skips the rows above the header and reads it.
func (r *Reader) readHeader(headerRow int) error {
	for {
		num, cells, err := r.rows.next()
		if errors.Is(err, io.EOF) {
			return r.wrapSheet(emptyError("the sheet is empty (nothing on header row %d or below)", headerRow))
		}
		if err != nil {
			return r.wrapSheet(err)
		}
		if num < headerRow {
			continue
		}
		if num > headerRow {
			return r.wrapSheet(emptyError("header row %d is blank", headerRow))
		}
		vals, err := r.conv.values(cells, 0)
		if err != nil {
			return r.wrapSheet(fmt.Errorf("row %d: %w", num, err))
		}
		r.header = trimHeader(vals)
		if len(r.header) == 0 {
			return r.wrapSheet(emptyError("header row %d is blank", headerRow))
		}
		return nil
	}
}

// Header returns the column names of the header row, trimmed of
// surrounding space and a BOM, without trailing blank columns.
func (r *Reader) Header() []string { return r.header }

// Sheet returns the name of the worksheet being read.
func (r *Reader) Sheet() string { return r.sheet }

// Next returns the next non-blank row below the header, with Line set to
// its sheet row number and Values padded to the header's width. A row
// with non-blank values beyond the header is a *record.RowError with Code
// "field_count". After the last row Next returns io.EOF, and keeps
// returning it; any other error is fatal and sticky.
func (r *Reader) Next() (row record.Row, err error) {
	if r.closed {
		return record.Row{}, fmt.Errorf("%s: %w", r.path, ErrClosed)
	}
	if r.err != nil {
		return record.Row{}, r.err
	}
	defer recoverInto(r.path, &err)
	for {
		num, cells, err := r.rows.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				err = r.wrapSheet(err)
			}
			r.err = err
			return record.Row{}, err
		}
		if len(cells) == 0 {
			continue // a blank row, often just formatting
		}
		vals, err := r.conv.values(cells, len(r.header))
		if err != nil {
			r.err = r.wrapSheet(fmt.Errorf("row %d: %w", num, err))
			return record.Row{}, r.err
		}
		if blank(vals) {
			continue
		}
		return r.shape(num, vals)
	}
}

// shape pads a row to the header's width, or rejects it when it has
// non-blank values beyond the header.
func (r *Reader) shape(line int, vals []string) (record.Row, error) {
	width := len(r.header)
	if len(vals) <= width {
		return record.Row{Line: line, Values: vals[:width]}, nil
	}
	if blank(vals[width:]) {
		return record.Row{Line: line, Values: vals[:width]}, nil
	}
	n := len(vals)
	for vals[n-1] == "" {
		n--
	}
	return record.Row{}, &record.RowError{
		Line:   line,
		Code:   "field_count",
		Err:    fmt.Errorf("row has %d values, the header has %d columns", n, width),
		Values: vals[:n],
	}
}

// Close releases the workbook. It is safe to call more than once.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.closeRows()
	if r.file == nil {
		return nil
	}
	if err := r.file.Close(); err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}
	return nil
}

func (r *Reader) closeRows() {
	if r.rows != nil {
		r.rows.close()
	}
}

func (r *Reader) wrap(err error) error { return fmt.Errorf("%s: %w", r.path, err) }

func (r *Reader) wrapSheet(err error) error {
	return fmt.Errorf("%s: sheet %q: %w", r.path, r.sheet, err)
}

func (o Options) validate() error {
	switch {
	case o.HeaderRow < 0:
		return fmt.Errorf("header row %d: rows are numbered from 1", o.HeaderRow)
	case o.SheetIndex < 0:
		return fmt.Errorf("sheet index %d: sheets are numbered from 1", o.SheetIndex)
	case o.Sheet != "" && o.SheetIndex != 0:
		return errors.New("choose the sheet by name or by index, not both")
	}
	return nil
}

func (o Options) headerRow() int {
	if o.HeaderRow == 0 {
		return 1
	}
	return o.HeaderRow
}

func emptyError(format string, args ...any) error {
	return &kindError{kind: ErrEmpty, msg: fmt.Sprintf(format, args...)}
}

// recoverInto turns a panic into an error naming path.
func recoverInto(path string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%s: %w: internal decoder error: %v", path, ErrMalformed, p)
	}
}

func blank(vals []string) bool {
	for _, v := range vals {
		if v != "" {
			return false
		}
	}
	return true
}
