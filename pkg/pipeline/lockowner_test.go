package pipeline

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

func TestDeadLocalOwner(t *testing.T) {
	host, _ := os.Hostname()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` command to make a dead pid")
	}
	dead := cmd.ProcessState.Pid()
	tests := []struct {
		name  string
		owner string
		want  bool
	}{
		{"this process", fmt.Sprintf("%s:%d:1", host, os.Getpid()), false},
		{"a finished process", fmt.Sprintf("%s:%d:1", host, dead), true},
		{"another host", fmt.Sprintf("elsewhere:%d:1", dead), false},
		{"malformed", "garbage", false},
		{"pid zero", fmt.Sprintf("%s:0:1", host), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := deadLocalOwner(tc.owner, host); got != tc.want {
				t.Fatalf("deadLocalOwner(%q) = %v, want %v", tc.owner, got, tc.want)
			}
		})
	}
}
