package pipeline

import (
	"encoding/csv"
	"github.com/alexsync/alexsync/pkg/fileout"
	"os"
	"path/filepath"
	"strings"

	"github.com/alexsync/alexsync/pkg/mapping"
	"github.com/alexsync/alexsync/pkg/prepare"
)

// normalizedWriter writes contacts exactly as they would be sent, one CSV
// row each: key, phone, phone_reason, every contact field, then one
// metadata.<name> column per metadata name of the mapping (and
// metadata.phone_ext).
type normalizedWriter struct {
	f        *os.File
	tmp      string
	path     string
	w        *csv.Writer
	metadata []string
}

func newNormalizedWriter(path string, metadataNames []string) (*normalizedWriter, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := fileout.CreateTemp(path)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	nw := &normalizedWriter{f: f, tmp: f.Name(), path: path, w: csv.NewWriter(f), metadata: append(metadataNames, "phone_ext")}
	header := []string{"key", "phone", "phone_reason", "first_name", "last_name", "email", "company", "title", "tags"}
	for _, m := range nw.metadata {
		header = append(header, "metadata."+m)
	}
	if err := nw.w.Write(header); err != nil {
		nw.abort()
		return nil, err
	}
	return nw, nil
}

func (nw *normalizedWriter) write(p prepare.Prepared) error {
	c := p.Contact
	row := []string{mapping.DisplayKey(c.Key), c.Phone, string(p.Phone.Reason), c.FirstName, c.LastName, c.Email, c.Company, c.Title, strings.Join(c.Tags, ";")}
	for _, m := range nw.metadata {
		row = append(row, c.Metadata[m])
	}
	return nw.w.Write(row)
}

// close writes the file in place atomically (temp file, then rename).
func (nw *normalizedWriter) close() error {
	nw.w.Flush()
	if err := nw.w.Error(); err != nil {
		nw.abort()
		return err
	}
	if err := nw.f.Close(); err != nil {
		os.Remove(nw.tmp)
		return err
	}
	if err := fileout.Replace(nw.tmp, nw.path); err != nil {
		os.Remove(nw.tmp)
		return err
	}
	return nil
}

func (nw *normalizedWriter) abort() {
	nw.f.Close()
	os.Remove(nw.tmp)
}
