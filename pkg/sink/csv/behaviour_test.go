package csv_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexsync/alexsync/pkg/sink"
	sinkcsv "github.com/alexsync/alexsync/pkg/sink/csv"
	"github.com/alexsync/alexsync/pkg/sink/sinktest"
)

func TestNeutralize(t *testing.T) {
	tests := []struct {
		name string
		typ  sink.Type
		in   string
		want string
	}{
		{"hyperlink formula", sink.Text, `=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"plus", sink.Text, "+1+1", "'+1+1"},
		{"minus", sink.Text, "-2+3", "'-2+3"},
		{"at", sink.Text, "@SUM(A1)", "'@SUM(A1)"},
		{"tab", sink.Text, "\tx", "'\tx"},
		{"carriage return", sink.Text, "\rx", "'\rx"},
		{"plain text", sink.Text, "hello", "hello"},
		{"empty", sink.Text, "", ""},
		{"apostrophe then formula", sink.Text, "'=1", "''=1"},
		{"apostrophe alone", sink.Text, "'hello", "'hello"},
		{"E.164 phone untouched", sink.Phone, sinktest.E164, sinktest.E164},
		{"phone formula", sink.Phone, "=1+1", "'=1+1"},
		{"phone with spaces", sink.Phone, "+1 415 555", "'+1 415 555"},
		{"phone too long", sink.Phone, "+1234567890123456", "'+1234567890123456"},
		{"number column ignored", sink.Number, "-2", "-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := sinkcsv.Neutralize(tc.typ, tc.in)
			if got != tc.want {
				t.Errorf("Neutralize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if back := sinkcsv.Restore(tc.typ, got); back != tc.in {
				t.Errorf("Restore(%q) = %q, want %q", got, back, tc.in)
			}
		})
	}
}

func TestTablePath(t *testing.T) {
	tests := []struct {
		name, path string
		table      sink.Table
		want       string
	}{
		{"calls", "out/calls.csv", sink.Calls, "out/calls.csv"},
		{"lines", "out/calls.csv", sink.TranscriptLines, "out/calls.call_transcript_lines.csv"},
		{"upper-case extension", "out/X.CSV", sink.Contacts, "out/X.contacts.csv"},
		{"no extension", "out/export", sink.Contacts, "out/export.contacts.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sinkcsv.TablePath(tc.path, tc.table); got != tc.want {
				t.Errorf("TablePath = %q, want %q", got, tc.want)
			}
		})
	}
}

// run writes batches in one run and returns Close's error.
func run(t *testing.T, path string, opts sinkcsv.Options, batches ...sinktest.Batch) error {
	t.Helper()
	w, err := sinkcsv.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := w.Replace(b.Table, b.Rows); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

func callsBatch(version int, ids ...int) sinktest.Batch {
	b := sinktest.Batch{Table: sink.Calls}
	for _, i := range ids {
		b.Rows = append(b.Rows, sinktest.Call(i, version))
	}
	return b
}

func TestHeaderMismatchRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.csv")
	old := "id,started\ncall_1,yesterday\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(t, path, sinkcsv.Options{}, callsBatch(1, 1))
	var he *sinkcsv.HeaderError
	if !errors.As(err, &he) || he.Path != path || !strings.Contains(err.Error(), "existing header") {
		t.Fatalf("error %v, want a *HeaderError for %s", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != old {
		t.Errorf("file changed: %q", b)
	}
	assertNoTemps(t, filepath.Dir(path))
}

// A file that breaks while a run is open fails Close, and leaves every
// file of the run (the good one too) as it was.
func TestFailedCloseLeavesAllFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "calls.csv")
	if err := run(t, path, sinkcsv.Options{}, callsBatch(1, 1), linesBatch(1, 1)); err != nil {
		t.Fatal(err)
	}
	callsBefore, _ := os.ReadFile(path)
	w, err := sinkcsv.Open(path, sinkcsv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []sinktest.Batch{callsBatch(2, 1, 2), linesBatch(2, 2)} {
		if err := w.Replace(b.Table, b.Rows); err != nil {
			t.Fatal(err)
		}
	}
	linesPath := sinkcsv.TablePath(path, sink.TranscriptLines)
	broken := "call_id,offset_seconds,speaker,text\ncall_x,1\n"
	if err := os.WriteFile(linesPath, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close returned nil over a broken file")
	}
	if b, _ := os.ReadFile(path); string(b) != string(callsBefore) {
		t.Errorf("calls file changed by a failed Close")
	}
	if b, _ := os.ReadFile(linesPath); string(b) != broken {
		t.Errorf("lines file changed by a failed Close")
	}
	assertNoTemps(t, dir)
}

func linesBatch(version int, ids ...int) sinktest.Batch {
	b := sinktest.Batch{Table: sink.TranscriptLines}
	for _, i := range ids {
		b.Rows = append(b.Rows, sinktest.Lines(i, 2, version)...)
	}
	return b
}

func TestModesAndCleanup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "sub")
	path := filepath.Join(dir, "calls.csv")
	if err := run(t, path, sinkcsv.Options{}, callsBatch(1, 1, 2), linesBatch(1, 1)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		path string
		mode os.FileMode
	}{
		{"calls file", path, 0o600},
		{"lines file", sinkcsv.TablePath(path, sink.TranscriptLines), 0o600},
		{"created directory", dir, 0o700 | os.ModeDir},
		{"created parent", filepath.Dir(dir), 0o700 | os.ModeDir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fi, err := os.Stat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != tc.mode {
				t.Errorf("mode %v, want %v", fi.Mode(), tc.mode)
			}
		})
	}
	w, _ := sinkcsv.Open(path, sinkcsv.Options{})
	if err := w.Replace(sink.Calls, callsBatch(2, 3).Rows); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	assertNoTemps(t, dir)
}

// An Excel-mode run over a plain file rewrites it with a BOM and CRLF.
func TestExcelModeOverPlainFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.csv")
	if err := run(t, path, sinkcsv.Options{}, callsBatch(1, 1, 2)); err != nil {
		t.Fatal(err)
	}
	if err := run(t, path, sinkcsv.Options{Excel: true}, callsBatch(2, 2)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "\xef\xbb\xbfid,") || strings.Count(s, "\r\n") != 3 || strings.Count(s, "\n") != 3 {
		t.Errorf("not a BOM + CRLF file of 3 lines: %q", s)
	}
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover file %s", e.Name())
		}
	}
}
