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

// TestCancelKillsAfterGracePeriod runs binaries that ignore SIGINT: they
// must be killed once the grace period is over, with the children that
// hold their output pipes open.
func TestCancelKillsAfterGracePeriod(t *testing.T) {
	tests := []struct {
		name string
		bin  func(t *testing.T) string
		env  map[string]string
	}{
		{
			name: "the binary ignores SIGINT",
			bin:  func(*testing.T) string { return os.Args[0] },
			env:  map[string]string{fakeTerraformEnv: "ignore-sigint"},
		},
		{
			name: "its child ignores SIGINT and holds stdout",
			bin: func(t *testing.T) string {
				bin := writeFile(t, filepath.Join(t.TempDir(), "terraform"), "#!/bin/sh\ntrap '' INT\nsleep 30 &\ntouch ready\nwait\n")
				if err := os.Chmod(bin, 0o755); err != nil {
					t.Fatal(err)
				}
				return bin
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			const grace = 500 * time.Millisecond
			r := newRunner(t, dir, Options{Binary: Binary{Path: tt.bin(t), Flavor: Terraform}, GracePeriod: grace, Env: tt.env})

			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- r.Apply(ctx, "tfplan") }()
			waitFor(t, 10*time.Second, "the fake terraform to be ready", func() bool {
				_, err := os.Stat(filepath.Join(dir, "ready"))
				return err == nil
			})
			start := time.Now()
			cancel()
			err := <-done
			took := time.Since(start)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v does not wrap context.Canceled", err)
			}
			if took < grace || took > grace+2*time.Second {
				t.Errorf("returned %v after cancel, want just over the %v grace period", took, grace)
			}
			expectNoProcessesIn(t, dir)
		})
	}
}

// expectNoProcessesIn fails the test unless the processes in dir are
// gone, allowing a moment for those that were just sent SIGKILL to die.
func expectNoProcessesIn(t *testing.T, dir string) {
	t.Helper()
	waitFor(t, 2*time.Second, "the processes in "+dir+" to end", func() bool {
		return len(processesIn(t, dir)) == 0
	})
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
