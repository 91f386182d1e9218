package fileout

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReplace(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, dir string) string // returns the output path
		wantLink bool                                  // the output path is still a link
		wantIn   string                                // the file that must hold the new bytes
	}{
		{"a new file", func(t *testing.T, dir string) string { return filepath.Join(dir, "out.csv") }, false, "out.csv"},
		{"an existing file", func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "out.csv"), "old")
			return filepath.Join(dir, "out.csv")
		}, false, "out.csv"},
		{"a link to a file", func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "target.csv"), "old")
			link(t, "target.csv", filepath.Join(dir, "out.csv"))
			return filepath.Join(dir, "out.csv")
		}, true, "target.csv"},
		{"a chain of links", func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "target.csv"), "old")
			link(t, "target.csv", filepath.Join(dir, "mid.csv"))
			link(t, filepath.Join(dir, "mid.csv"), filepath.Join(dir, "out.csv"))
			return filepath.Join(dir, "out.csv")
		}, true, "target.csv"},
		{"a link to nothing yet", func(t *testing.T, dir string) string {
			link(t, "later.csv", filepath.Join(dir, "out.csv"))
			return filepath.Join(dir, "out.csv")
		}, true, "later.csv"},
		{"a relative link in a linked directory", func(t *testing.T, dir string) string {
			// home/reports -> data/reports; out.csv -> ../shared/out.csv
			// means data/shared/out.csv, not home/shared/out.csv.
			for _, d := range []string{"data/reports", "data/shared", "home/shared"} {
				if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			write(t, filepath.Join(dir, "home/shared/out.csv"), "unrelated")
			link(t, filepath.Join(dir, "data/reports"), filepath.Join(dir, "home/reports"))
			link(t, "../shared/out.csv", filepath.Join(dir, "data/reports/out.csv"))
			return filepath.Join(dir, "home/reports/out.csv")
		}, true, "data/shared/out.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := tc.setup(t, dir)
			tmp := filepath.Join(dir, "out.csv.tmp")
			write(t, tmp, "new")
			if err := Replace(tmp, out); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Lstat(out)
			if err != nil {
				t.Fatal(err)
			}
			if isLink := fi.Mode()&os.ModeSymlink != 0; isLink != tc.wantLink {
				t.Fatalf("output is a link: %v, want %v", isLink, tc.wantLink)
			}
			if b, err := os.ReadFile(filepath.Join(dir, tc.wantIn)); err != nil || string(b) != "new" {
				t.Fatalf("%s holds %q (%v), want the new bytes", tc.wantIn, b, err)
			}
			if _, err := os.Stat(tmp); !os.IsNotExist(err) {
				t.Fatalf("the temp file is still there: %v", err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "home/shared/out.csv")); len(b) > 0 && string(b) != "unrelated" {
				t.Fatalf("an unrelated file was replaced")
			}
		})
	}
}

func TestResolveDescriptorsAreWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	stdout := filepath.Join(dir, "stdout") // as /dev/stdout is
	link(t, "/proc/self/fd/1", stdout)
	for _, p := range []string{fifo, stdout} {
		if _, through, err := Resolve(p); err != nil || !through {
			t.Fatalf("Resolve(%s) = through %v, %v; want written through", p, through, err)
		}
	}
}

func TestResolveRefusesLinkLoops(t *testing.T) {
	dir := t.TempDir()
	link(t, "b", filepath.Join(dir, "a"))
	link(t, "a", filepath.Join(dir, "b"))
	if _, _, err := Resolve(filepath.Join(dir, "a")); err == nil {
		t.Fatal("a link loop resolved")
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, dest, path string) {
	t.Helper()
	if err := os.Symlink(dest, path); err != nil {
		t.Fatal(err)
	}
}

func TestWrite(t *testing.T) {
	errFill := errors.New("fill failed")
	tests := []struct {
		name    string
		fill    string
		err     error
		wantOld bool
	}{
		{"written in place", "new", nil, false},
		{"a failed fill leaves the old file and no temp file", "half", errFill, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out.json")
			write(t, out, "old")
			err := Write(out, func(w io.Writer) error {
				if _, err := io.WriteString(w, tc.fill); err != nil {
					return err
				}
				return tc.err
			})
			if !errors.Is(err, tc.err) {
				t.Fatalf("Write = %v, want %v", err, tc.err)
			}
			want := tc.fill
			if tc.wantOld {
				want = "old"
			}
			if b, _ := os.ReadFile(out); string(b) != want {
				t.Fatalf("%s holds %q, want %q", out, b, want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("%d files in the directory, want only the output", len(entries))
			}
		})
	}
}
