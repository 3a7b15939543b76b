package tfrun

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestKillLeftovers(t *testing.T) {
	id := newRunID()
	// A shell whose child outlives it, like a cancelled local-exec.
	cmd := exec.Command("sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), runIDVar + "=" + id}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	other := exec.Command("sleep", "30")
	other.Env = []string{runIDVar + "=" + newRunID()}
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })

	var orphan int
	if _, err := fmt.Sscan(string(out), &orphan); err != nil {
		t.Fatal(err)
	}
	killed := killLeftovers(id)
	if !slices.Equal(killed, []int{orphan}) {
		t.Errorf("killed %v, want the orphan %d", killed, orphan)
	}
	waitFor(t, 5*time.Second, "the orphan to die", func() bool {
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", orphan))
		return !strings.Contains(string(env), id) // gone, or a zombie
	})
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the process of another run is gone: %v", err)
	}
}
