package pipeline

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
)

// deadLocalOwner reports whether a lock owner ("host:pid:nonce") is a
// process on this host that no longer exists. Owners on other hosts are
// never judged: their lease expiry is what frees the lock.
func deadLocalOwner(owner, host string) bool {
	parts := strings.Split(owner, ":")
	if len(parts) != 3 || parts[0] != host || host == "" {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return false
	}
	// Signal 0 checks for existence without signalling. ESRCH: no such
	// process. EPERM means it exists under another user.
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
