package tfrun

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
)

// runIDVar is set to a fresh value in the environment of every command, so
// the processes it started can be found once it is over. Terraform does
// not always stop what it started: cancelled, it kills the shell of a
// local-exec provisioner but not that shell's children, which would go on
// running (and changing infrastructure) after the user cancelled.
const runIDVar = "CSOCBOT_TFRUN_ID"

var runCount atomic.Uint64

// newRunID returns an ID unique among the commands of all bot processes.
func newRunID() string {
	return fmt.Sprintf("%d-%d", os.Getpid(), runCount.Add(1))
}

// killLeftovers kills every process that still carries runIDVar=id in its
// environment and returns their PIDs. It scans again until it finds no
// new one, in case one forked while the others were being killed. Without /proc it does nothing.
func killLeftovers(id string) []int {
	entry := []byte(runIDVar + "=" + id + "\x00")
	var killed []int
	for range 10 {
		found := false
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() || slices.Contains(killed, pid) {
				continue
			}
			env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
			if err != nil || !(bytes.HasPrefix(env, entry) || bytes.Contains(env, append([]byte{0}, entry...))) {
				continue
			}
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				found = true
				killed = append(killed, pid)
			}
		}
		if !found {
			break
		}
	}
	return killed
}
