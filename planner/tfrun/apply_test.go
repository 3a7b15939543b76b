package tfrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestApply(t *testing.T) {
	r, dir := initRunner(t, `resource "terraform_data" "x" {}`, Options{})
	ctx := t.Context()
	if err := r.Apply(ctx, mustPlan(t, ctx, r, dir)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "terraform.tfstate")); err != nil {
		t.Errorf("no local state after apply: %v", err)
	}
	changes, err := r.Plan(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if changes {
		t.Error("plan after apply has changes")
	}
}

// TestApplyCancel cancels an apply whose provisioner sleeps and checks that
// it returns promptly, says it was cancelled, and leaves no process behind.
func TestApplyCancel(t *testing.T) {
	r, dir := initRunner(t, `
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 30"
  }
}
`, Options{GracePeriod: 5 * time.Second})
	plan := mustPlan(t, t.Context(), r, dir)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Apply(ctx, plan) }()
	waitFor(t, 20*time.Second, "sleep to start", func() bool {
		return slicesContain(processesIn(t, dir), "sleep")
	})

	start := time.Now()
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Apply did not return after cancellation")
	}
	took := time.Since(start)
	t.Logf("returned %v after cancel: %v", took, err)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "terraform apply in "+dir+" was cancelled") {
		t.Errorf("error %q does not say the apply was cancelled", err)
	}
	if took > 5*time.Second {
		t.Errorf("took %v to return", took)
	}
	expectNoProcessesIn(t, dir)
}

// TestCancelKillsAfterGracePeriod runs a binary that ignores SIGINT: it must
// be killed once the grace period is over.
func TestCancelKillsAfterGracePeriod(t *testing.T) {
	dir := t.TempDir()
	bin := writeFile(t, filepath.Join(t.TempDir(), "terraform"), "#!/bin/sh\necho $$ $PPID >> /tmp/fakepids\ntrap '' INT\nexec sleep 30\n")
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	const grace = 500 * time.Millisecond
	r := newRunner(t, dir, Options{Binary: Binary{Path: bin, Flavor: Terraform}, GracePeriod: grace})

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Apply(ctx, "tfplan") }()
	waitFor(t, 10*time.Second, "sleep to start", func() bool {
		return slicesContain(processesIn(t, dir), "sleep")
	})
	t.Logf("DEBUG procs before cancel %v", processesIn(t, dir))
	start := time.Now()
	cancel()
	err := <-done
	took := time.Since(start)
	pids, _ := os.ReadFile("/tmp/fakepids")
	t.Logf("DEBUG err=%#v mypid=%d fakepids=%s", err, os.Getpid(), pids)
	for _, p := range processesIn(t, dir) {
		pid, _, _ := strings.Cut(p, ":")
		st, _ := os.ReadFile("/proc/" + pid + "/stat")
		t.Logf("DEBUG proc %s", st)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	if took < grace || took > grace+2*time.Second {
		t.Errorf("returned %v after cancel, want just over the %v grace period", took, grace)
	}
	expectNoProcessesIn(t, dir)
}

// expectNoProcessesIn fails the test unless the processes in dir are
// gone, allowing a moment for those that were just sent SIGKILL to die.
func expectNoProcessesIn(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		left := processesIn(t, dir)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("processes still running in %s: %v", dir, left)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processesIn lists the names (comm) of the processes whose working
// directory is dir.
func processesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("needs /proc: %v", err)
	}
	var names []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil || cwd != dir {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue // exited meanwhile
		}
		names = append(names, e.Name()+":"+strings.TrimSpace(string(comm)))
	}
	return names
}

func slicesContain(procs []string, name string) bool {
	for _, p := range procs {
		if strings.HasSuffix(p, ":"+name) {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
