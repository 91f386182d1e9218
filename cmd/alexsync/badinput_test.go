package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestBadInputs is the table of bad inputs a user can give alexsync, each
// with the exact first line of the error the user sees (temp paths shown
// as $DIR), the lines the summary must hold, and the exit code: never a
// panic, never a stack trace, never a half-written file. The README's
// "What alexsync says about bad input" lists the same messages.
func TestBadInputs(t *testing.T) {
	const mappingYAML = "mapping: {key: ID, fields: {first_name: Name, phone: Phone}}\nphone: {default_region: US}\ncheckpoint: state.db\nrejects: out/rejects.csv\n"
	xlsxFixture := func(name string) func(*cliEnv) string {
		return func(e *cliEnv) string {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "xlsx", name))
			if err != nil {
				t.Fatal(err)
			}
			e.write("book.xlsx", string(b))
			return "source: {type: xlsx, path: book.xlsx}\n" + mappingYAML
		}
	}
	csvSource := func(body string) func(*cliEnv) string {
		return func(e *cliEnv) string {
			e.write("in.csv", body)
			return "source: {type: csv, path: in.csv}\n" + mappingYAML
		}
	}
	const oneRow = "ID,Name,Phone\n1,Ada,(415) 555-0100\n"
	tests := []struct {
		name     string
		pipeline func(e *cliEnv) string // returns the pipeline YAML
		before   func(e *cliEnv)        // runs first, e.g. a run that syncs contacts
		cmd      string                 // validate (default) or run
		key      string                 // SMARTALEX_API_KEY for run ("" unsets it)
		apiURL   string                 // --api-url for run: "SIM" is the test's simulator
		asNobody bool                   // run the binary as an unprivileged user
		wantCode int
		wantErr  string   // the exact first line of stderr; "" means stderr stays empty
		moreErr  []string // whole lines stderr must hold after the first
		wantOut  []string // whole lines stdout must hold
	}{
		{name: "missing file", pipeline: func(*cliEnv) string { return "source: {type: csv, path: nope.csv}\n" + mappingYAML },
			wantCode: ExitUsage, wantErr: "alexsync: open $DIR/nope.csv: no such file or directory"},
		{name: "unreadable file (mode 0000)", pipeline: func(e *cliEnv) string {
			e.write("locked.csv", oneRow)
			if err := os.Chmod(e.path("locked.csv"), 0); err != nil {
				t.Fatal(err)
			}
			return "source: {type: csv, path: locked.csv}\n" + mappingYAML
		}, asNobody: true, wantCode: ExitFatal, wantErr: "alexsync: open $DIR/locked.csv: permission denied"},
		{name: "a directory named like a CSV file", pipeline: func(e *cliEnv) string {
			if err := os.Mkdir(e.path("dir.csv"), 0o700); err != nil {
				t.Fatal(err)
			}
			return "source: {type: csv, path: dir.csv}\n" + mappingYAML
		}, wantCode: ExitFatal, wantErr: "alexsync: $DIR/dir.csv: is a directory, not a CSV file"},
		{name: "empty file", pipeline: csvSource(""), wantCode: ExitFatal, wantErr: "alexsync: $DIR/in.csv: empty file"},
		{name: "header only: validate", pipeline: csvSource("ID,Name,Phone\n"), wantCode: ExitOK,
			wantOut: []string{"warning    $DIR/in.csv: the source has a header but no data rows", "read       0 rows"}},
		{name: "header only: first run", pipeline: csvSource("ID,Name,Phone\r\n\r\n"), cmd: "run", key: cliKey, apiURL: "SIM", wantCode: ExitOK,
			wantOut: []string{"warning    $DIR/in.csv: the source has a header but no data rows", "source     0 rows read, 0 rejected, 0 duplicates"}},
		{name: "header only: run after contacts were synced", pipeline: csvSource("ID,Name,Phone\n1,Ada,(415) 555-0100\n2,Bo,(415) 555-0101\n"),
			before: func(e *cliEnv) {
				if code, out, errs := e.exec("run", e.path("p.yaml"), "--api-url", e.url); code != ExitOK {
					t.Fatalf("the first run: exit %d\n%s%s", code, out, errs)
				}
				e.write("in.csv", "ID,Name,Phone\n")
			}, cmd: "run", key: cliKey, apiURL: "SIM", wantCode: ExitGuard,
			wantOut: []string{"warning    $DIR/in.csv: the source has a header but no data rows",
				"stopped    guard: the source is empty but 2 contacts were synced before; refusing to treat them all as gone"}},
		{name: "binary file named .csv", pipeline: csvSource("PK\x03\x04\x00\x00binary\x00stuff"), wantCode: ExitFatal,
			wantErr: "alexsync: $DIR/in.csv: not a CSV file (binary content at byte 4; it looks like an XLSX or ZIP file)"},
		{name: "XLSX that is a zip of something else", pipeline: xlsxFixture("zip_not_workbook.xlsx"), wantCode: ExitFatal,
			wantErr: "alexsync: $DIR/book.xlsx: a zip archive but not an XLSX workbook (it has no xl/workbook.xml)"},
		{name: "password-protected XLSX", pipeline: xlsxFixture("encrypted.xlsx"), wantCode: ExitFatal,
			wantErr: "alexsync: $DIR/book.xlsx: password-protected workbooks are not supported; save a copy without a password"},
		{name: "a sheet that does not exist", pipeline: func(e *cliEnv) string {
			return strings.Replace(xlsxFixture("numbers.xlsx")(e), "path: book.xlsx}", "path: book.xlsx, sheet: Leads}", 1)
		}, wantCode: ExitFatal, wantErr: `alexsync: $DIR/book.xlsx: sheet not found: "Leads"; the workbook has "Numbers"`},
		// A 1 GB line fails the same way as this one, just over the 16 MiB
		// limit, without the test reading a gigabyte.
		{name: "a single line over 16 MiB", pipeline: csvSource("ID,Name,Phone\n1,Ada," + strings.Repeat("9", 16<<20+1) + "\n"), wantCode: ExitFatal,
			wantErr: "alexsync: $DIR/in.csv: line 2: line too long: over 16777216 bytes, the longest line a CSV source may have (is the file really CSV?)"},
		{name: "a mapping that names missing columns", pipeline: func(e *cliEnv) string {
			e.write("in.csv", "ID,Full Name,Phone\n1,Ada,(415) 555-0100\n")
			return "source: {type: csv, path: in.csv}\n" + mappingYAML
		}, wantCode: ExitUsage, wantErr: "alexsync: mapping does not fit $DIR/in.csv:",
			moreErr: []string{`$DIR/p.yaml:2: first_name: column "Name" is not in the source (columns: "ID", "Full Name", "Phone")`}},
		{name: "a pipeline with unknown keys", pipeline: func(e *cliEnv) string {
			return "source: {type: csv, path: in.csv, delimitr: ';'}\n" + mappingYAML
		}, wantCode: ExitUsage,
			wantErr: `alexsync: $DIR/p.yaml:1: unknown key "delimitr"; did you mean "delimiter"?`},
		{name: "an invalid base_url", pipeline: func(e *cliEnv) string {
			e.write("in.csv", oneRow)
			return "source: {type: csv, path: in.csv}\n" + mappingYAML + "api: {base_url: 'ftp://api.example.com'}\n"
		}, cmd: "run", key: cliKey, wantCode: ExitUsage, wantErr: `alexsync: $DIR/p.yaml: api.base_url: "ftp://api.example.com" is not an http(s) URL`},
		{name: "a key env var that is unset", pipeline: csvSource(oneRow), cmd: "run", wantCode: ExitUsage,
			wantErr: "alexsync: no API key: environment variable SMARTALEX_API_KEY is not set (export SMARTALEX_API_KEY=sk_...; the key never goes in a pipeline file)"},
		{name: "an expired key (401)", pipeline: csvSource(oneRow), cmd: "run", key: "sk_test_expired", apiURL: "SIM", wantCode: ExitFatal,
			wantErr: "alexsync: the API refused the key from environment variable SMARTALEX_API_KEY (expired or revoked?): GET /v1/contacts: 401 unauthorized: missing or unknown API key (request $REQUEST_ID)"},
	}
	requestID := regexp.MustCompile(`req_[0-9a-f]+`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newCLIEnv(t, 0, "")
			e.write("p.yaml", tc.pipeline(e))
			if tc.before != nil {
				tc.before(e)
			}
			args := []string{"validate", e.path("p.yaml")}
			if tc.cmd == "run" {
				t.Setenv("SMARTALEX_API_KEY", tc.key)
				args = []string{"run", e.path("p.yaml")}
				if tc.apiURL == "SIM" {
					args = append(args, "--api-url", e.url)
				}
			}
			var code int
			var out, errs string
			if tc.asNobody {
				code, out, errs = execUnprivileged(t, e, args...)
			} else {
				code, out, errs = e.exec(args...)
			}
			clean := func(s string) string {
				return requestID.ReplaceAllString(strings.ReplaceAll(s, e.dir, "$DIR"), "$$REQUEST_ID")
			}
			out, errs = clean(out), clean(errs)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d", code, tc.wantCode)
			}
			if got := firstLine(errs); got != tc.wantErr {
				t.Errorf("first line of stderr:\n got %q\nwant %q", got, tc.wantErr)
			}
			for _, want := range tc.moreErr {
				if !slices.Contains(strings.Split(errs, "\n"), want) {
					t.Errorf("stderr lacks the line %q", want)
				}
			}
			for _, want := range tc.wantOut {
				if !slices.Contains(strings.Split(out, "\n"), want) {
					t.Errorf("stdout lacks the line %q", want)
				}
			}
			if t.Failed() {
				t.Fatalf("stdout:\n%s\nstderr:\n%.2000s", out, errs)
			}
			if strings.Contains(out+errs, "panic:") || strings.Contains(out+errs, "goroutine ") {
				t.Fatalf("a stack trace reached the user:\n%s%s", out, errs)
			}
			if len(errs) > 2000 {
				t.Fatalf("an error of %d bytes: %.200s...", len(errs), errs)
			}
			assertNoPartialFiles(t, e.dir)
			if code == ExitFatal || code == ExitUsage {
				// Stopped before or while reading: no output file at all (an
				// empty out/ made ready for the rejects file may stay).
				if entries, _ := os.ReadDir(e.path("out")); len(entries) > 0 {
					t.Errorf("a failed %s left files in out/: %v", args[0], entries)
				}
			}
		})
	}
}

// nobody is the unprivileged user (and group) a root test runs the binary
// as, so that file permissions apply to it.
const nobody = 65534

// execUnprivileged runs args in a child alexsync process (this test binary)
// that cannot read what its permissions forbid: as user nobody when the
// test runs as root (root reads a mode 0000 file), as the current user
// otherwise. The temp dir and a link to the binary are made reachable by
// nobody.
func execUnprivileged(t *testing.T, e *cliEnv, args ...string) (int, string, string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("file modes do not make a file unreadable on Windows: neither root nor a non-root user applies")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	if os.Geteuid() == 0 {
		binDir := t.TempDir()
		bin := filepath.Join(binDir, "alexsync.test")
		if err := os.Link(self, bin); err != nil {
			copyFile(t, self, bin)
		}
		for _, p := range []string{filepath.Dir(e.dir), e.dir, filepath.Dir(binDir), binDir} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(e.path("p.yaml"), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(bin, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	} else if f, err := os.Open(e.path("locked.csv")); err == nil {
		f.Close()
		t.Skipf("user %d reads a mode 0000 file (a capability?): neither root nor a plain user applies", os.Geteuid())
	}
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "ALEXSYNC_TEST_AS_CLI=1", "HOME="+e.dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running %s: %v", cmd.Path, err)
	}
	return exitCodeOf(err), stdout.String(), stderr.String()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// assertNoPartialFiles fails if a temp file was left behind.
func assertNoPartialFiles(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(d.Name(), ".tmp") || bytes.HasPrefix([]byte(d.Name()), []byte(".rejects"))) {
			t.Errorf("partial file left: %s", path)
		}
		return nil
	})
}
