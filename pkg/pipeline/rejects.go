package pipeline

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/alexsync/alexsync/pkg/sink/rejects"
)

// openRejects opens the rejects file in the input's own format: CSV input
// gets CSV with its delimiter, encoding and line endings; XLSX input gets
// XLSX with the phone columns as text; SQL input gets UTF-8 CSV. A path
// ending in .csv or .xlsx wins over the input's format.
func openRejects(src *Source, path string, phoneColumns []string) (rejects.Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".xlsx" || (ext != ".csv" && src.Type == "xlsx") {
		return rejects.NewXLSX(path, src.Header(), phoneColumns)
	}
	var d rejects.Dialect
	if src.Dialect != nil {
		d = rejects.Dialect(*src.Dialect)
	}
	return rejects.NewCSV(path, src.Header(), d)
}
