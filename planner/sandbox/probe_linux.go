package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	llsyscall "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// probeVar makes the csocbot binary the probe program, which Probe
// launches to see whether the confinement holds.
const probeVar = "CSOCBOT_SANDBOX_PROBE"

// Exit statuses of a probe.
const (
	probeConfined   = 0
	probeUnconfined = 3
)

// Probe runs a probe program through the launcher, as terraform would
// run, to learn what this kernel and container allow. self is the csocbot
// binary, or a test binary that calls Main.
func Probe(ctx context.Context, self string) Report {
	r := Report{}
	r.LandlockABI, _ = llsyscall.LandlockGetABIVersion()
	nsErr := runProbe(ctx, self, true)
	if nsErr == nil {
		r.FileSystem, r.PIDNamespace = true, true
		r.network()
		return r
	}
	if err := runProbe(ctx, self, false); err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("programs cannot be confined to their run's files: %v", err))
		return r
	}
	r.FileSystem = true
	r.Problems = append(r.Problems, fmt.Sprintf("PID namespaces are refused here (%v): processes a run leaves behind are found and killed by their run ID instead", nsErr))
	r.network()
	return r
}

// network records whether runs' TCP connections can be limited to ports.
func (r *Report) network() {
	r.Network = r.LandlockABI >= 4
	if !r.Network {
		r.Problems = append(r.Problems, fmt.Sprintf("Landlock ABI %d cannot limit network connections: runs can reach any address, including the instance metadata service; block it in the network (IMDSv2 with a hop limit of 1, or a network policy)", r.LandlockABI))
	}
}

// runProbe launches self as the probe program, in a PID namespace of its
// own or not.
func runProbe(ctx context.Context, self string, pidns bool) error {
	l, err := Policy{Program: self, PIDNamespace: pidns}.Command(self)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, l.Path)
	cmd.Env = []string{probeVar + "=1", policyVar + "=" + l.Env[policyVar]}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == probeUnconfined:
		return errors.New("Landlock did not confine the probe")
	}
	return fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
}

// probeChild is the probe program: launched, it must not be able to read
// what no run may read.
func probeChild() int {
	if _, err := os.ReadFile("/proc/self/status"); err == nil {
		return probeUnconfined
	}
	return probeConfined
}
