package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// chaosDiskSlack is the free space left on the checkpoint's filesystem when it
// is filled: enough for a run to open the checkpoint and start, too little
// for it to journal the whole push.
const chaosDiskSlack = 96 << 10

// chaosDiskFull puts the checkpoint on a small tmpfs (a real filesystem
// answering ENOSPC, so SQLite sees exactly what a full disk gives it),
// starts the push, fills the filesystem to chaosDiskSlack bytes free, and runs
// again: the run must stop with exit 1 and a message naming the
// checkpoint, without duplicating anything; with the space back, the next
// runs must converge to the source. It needs mount(2) (root, or a
// container allowed to mount); without it the case is skipped, saying so,
// except in CI (CI set), where it fails.
func chaosDiskFull(t *testing.T, sz chaosSize, rep *chaosReport) {
	e := chaosNewChaosEnv(t, sz, sz.diskRows, "disk/state.db")
	mnt := e.path("disk")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			// CI runs as root: there the case must run, not pass by skipping.
			t.Fatalf("disk-full case: cannot mount a tmpfs in CI: %v: %s", err, out)
		}
		rep.add("diskfull: SKIPPED: cannot mount a tmpfs here (%v: %s)", err, strings.TrimSpace(string(out)))
		t.Skipf("disk-full case needs a tmpfs mount: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	opts := chaosSim0(sz, 5)
	opts.PerMinute, opts.PerDay, opts.Latency = 1<<20, 1<<20, 0 // the disk is the only trouble here
	cs := newChaosSim(t, opts)
	e.write("p.yaml", chaosPipelineUnpaced(sz, "disk/state.db"))
	c := &chaosRunner{t: t, e: e, cs: cs, sz: sz, rng: rand.New(rand.NewPCG(3, 5)), codes: map[int]int{}}

	// Start: a quarter of the creates, then stop at --max-requests.
	if code, _, stderr := c.runOnce(chaosNoKill, []string{"--max-requests", strconv.Itoa(sz.diskRows / 4)}); code != ExitQuota {
		t.Fatalf("first run: exit %d, want 3 (--max-requests)\n%s", code, stderr)
	}
	filler := filepath.Join(mnt, "filler")
	chaosFillTo(t, mnt, filler, chaosDiskSlack)
	before := cs.n.Load()
	code, _, stderr := c.runOnce(chaosNoKill, nil)
	sent := cs.n.Load() - before
	msg := firstLine(stderr)
	rep.add("diskfull: checkpoint on an 8 MiB tmpfs filled to %d KiB free: exit %d after %d requests: %q", chaosDiskSlack>>10, code, sent, msg)
	if code != ExitFatal || !strings.Contains(stderr, "checkpoint") || !strings.Contains(stderr, "full") {
		t.Fatalf("run with a full disk: exit %d, stderr %q; want 1 and a message naming the checkpoint and the full disk", code, stderr)
	}
	if st := cs.Stats(); st.DuplicatePhones != 0 {
		t.Fatalf("after the disk-full run the account holds %d duplicate phones", st.DuplicatePhones)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	c.phase("diskfull-recover", 0, sz.diskRows)
	src := chaosSource{rows: sz.diskRows, invalidEvery: sz.invalidEvery}
	held, dups, diffs := chaosCheckAccount(t, cs.base, src.want())
	rep.add("diskfull: space back: %d more runs to converge; final state %s", c.runs, chaosState{held, len(src.want()), dups, diffs})
}

// chaosPipelineUnpaced is chaosPipeline without quota trouble.
func chaosPipelineUnpaced(sz chaosSize, checkpoint string) string {
	sz.perMinute, sz.perDay = 1000000, 1000000
	return chaosPipeline(sz, checkpoint)
}

// chaosFillTo writes filler until dir's filesystem has about free bytes left.
func chaosFillTo(t *testing.T, dir, filler string, free int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	avail := int64(st.Bavail) * int64(st.Bsize)
	if avail <= free {
		t.Fatalf("the tmpfs has only %d bytes free before filling", avail)
	}
	if err := os.WriteFile(filler, make([]byte, avail-free), 0o600); err != nil {
		t.Fatal(err)
	}
}

// firstLine returns the first non-blank line of s, trimmed. (badinput_test.go
// uses it too.)
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
