package pipeline

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/config"
)

// benchHeader is the header of the generated contact files.
var benchHeader = []string{"Record ID", "First Name", "Last Name", "Email", "Phone", "Country", "Company"}

// benchAreas are US area codes libphonenumber accepts as valid.
var benchAreas = []string{"201", "202", "212", "213", "305", "312", "404", "415", "469", "503",
	"512", "602", "617", "646", "702", "713", "718", "805", "917", "949"}

// benchPhone returns row i's phone and region column. Every valid number
// is a distinct E.164 number; the formats rotate through what CRM exports
// hold: US national with punctuation, +1, spreadsheet damage (scientific
// notation, a trailing .0), UK numbers with a region column. When
// withInvalid is set, one row in twenty is a number that is rejected.
func benchPhone(i int, withInvalid bool) (phone, region string) {
	rest := i / 10000
	area, exch, sub := benchAreas[rest%len(benchAreas)], 230+rest/len(benchAreas), i%10000
	digits := fmt.Sprintf("%s%03d%04d", area, exch, sub)
	switch i % 10 {
	case 0:
		return fmt.Sprintf("(%s) %s-%s", digits[:3], digits[3:6], digits[6:]), ""
	case 1:
		return fmt.Sprintf("%s.%s.%s", digits[:3], digits[3:6], digits[6:]), ""
	case 2:
		return fmt.Sprintf("+1 %s %s %s", digits[:3], digits[3:6], digits[6:]), ""
	case 3:
		return "1." + digits + "E+10", "" // 1AAAEEESSSS as a spreadsheet shows it
	case 4:
		return digits + ".0", ""
	case 5:
		return fmt.Sprintf("07400 %06d", i%1000000), "United Kingdom"
	case 6:
		return fmt.Sprintf("1-%s-%s-%s", digits[:3], digits[3:6], digits[6:]), ""
	case 7:
		return fmt.Sprintf("+44 7401 %06d", i%1000000), ""
	case 8:
		return digits, ""
	}
	if withInvalid && (i/10)%2 == 0 {
		return [...]string{"555-1234", "n/a", "12", "call me"}[(i/20)%4], ""
	}
	return fmt.Sprintf("%s %s %s", digits[:3], digits[3:6], digits[6:]), "US"
}

// benchRow returns the values of row i; emailTag changes the email.
func benchRow(i int, withInvalid bool, emailTag string) []string {
	ph, region := benchPhone(i, withInvalid)
	return []string{fmt.Sprintf("C%07d", i), fmt.Sprintf("First%d", i), "Last", fmt.Sprintf("p%d%s@example.com", i, emailTag), ph, region,
		[...]string{"Acme", "Globex", "", "Initech"}[i%4]}
}

// benchFile writes (once) a generated CSV of n rows under os.TempDir,
// named by its parameters, and returns its path. changed rows (every
// n/changed-th) get a new email.
func benchFile(b *testing.B, n int, withInvalid bool, changed int) string {
	b.Helper()
	name := fmt.Sprintf("alexsync-bench-v1-%d-inv%t-chg%d.csv", n, withInvalid, changed)
	path := filepath.Join(os.TempDir(), name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp, err := os.CreateTemp(os.TempDir(), name+".*")
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	w := csv.NewWriter(bw)
	_ = w.Write(benchHeader)
	for i := range n {
		tag := ""
		if changed > 0 && i%(n/changed) == 0 {
			tag = ".new"
		}
		_ = w.Write(benchRow(i, withInvalid, tag))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchPipeline loads a pipeline over source with a checkpoint at
// checkpointPath; extra is appended YAML.
func benchPipeline(b *testing.B, dir, source, checkpointPath, extra string) *config.Pipeline {
	b.Helper()
	body := fmt.Sprintf(`name: bench
source: {type: csv, path: %q}
mapping:
  key: [Record ID]
  fields: {first_name: First Name, last_name: Last Name, email: Email, phone: Phone, company: Company}
  region_column: Country
phone: {default_region: US}
checkpoint: %q
rejects: rejects.csv
guards: {max_reject_ratio: 0.5}
`, source, checkpointPath) + extra
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		b.Fatal(err)
	}
	p, err := config.LoadPipeline(path)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// copyFile copies src to dst.
func copyFile(b *testing.B, src, dst string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// procStatusMB returns a "VmXXX:" field of /proc/self/status in MB, or -1.
func procStatusMB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var kb float64
			if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb); err == nil {
				return kb / 1024
			}
		}
	}
	return -1
}

// resetPeakRSS resets VmHWM to the current RSS (Linux >= 4.0, "5" to
// clear_refs). It reports whether the reset worked.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
