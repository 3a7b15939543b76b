package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	Main() // this test binary is also the launcher of the tests' programs
	os.Exit(m.Run())
}

// requireSandbox skips the test where this kernel cannot confine programs.
func requireSandbox(t *testing.T) Report {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := Probe(context.Background(), self)
	if !r.FileSystem {
		t.Skipf("this kernel cannot confine programs: %s", strings.Join(r.Problems, "; "))
	}
	return r
}

// sandboxed runs script with /bin/sh under p (Program is set here) and
// returns its output and exit status.
func sandboxed(t *testing.T, p Policy, script string, env ...string) (string, int) {
	t.Helper()
	cmd := launcherCommand(t, p, script, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

func launcherCommand(t *testing.T, p Policy, script string, env ...string) *exec.Cmd {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	if p.Program, err = filepath.EvalSymlinks(sh); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	l, err := p.Command(self)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(l.Path, "-c", script)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	for k, v := range l.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func TestProbe(t *testing.T) {
	r := requireSandbox(t)
	if r.LandlockABI < 1 || !strings.Contains(r.String(), "file-system confinement: yes") {
		t.Errorf("report = %+v (%s)", r, r)
	}
	t.Log(r)
}

func TestConfinement(t *testing.T) {
	requireSandbox(t)
	outside := t.TempDir()
	secret := filepath.Join(outside, "token")
	if err := os.WriteFile(secret, []byte("ghp_secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	work, readOnly := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(readOnly, "lock.hcl"), []byte("provider"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := Policy{Read: []string{readOnly}, Write: []string{work}}
	tests := []struct {
		name     string
		script   string
		wantOut  string
		wantCode int
	}{
		{"reads its working directory", "echo hello > " + work + "/f && cat " + work + "/f", "hello", 0},
		{"reads what it may read", "cat " + readOnly + "/lock.hcl", "provider", 0},
		{"writes nothing it may only read", "echo x > " + readOnly + "/lock.hcl || echo refused", "refused", 0},
		{"reads no file outside its policy", "cat " + secret + " || echo refused", "refused", 0},
		{"lists no folder outside its policy", "ls " + outside + " || echo refused", "refused", 0},
		{"reads no process's environment", "cat /proc/" + strconv.Itoa(os.Getpid()) + "/environ || echo refused", "refused", 0},
		{"reads not even its own /proc", "cat /proc/self/environ || echo refused", "refused", 0},
		{"gets its arguments' exit status", "exit 7", "", 7},
		{"sees the environment it is given, not the policy", "echo \"$RUN_VAR ${CSOCBOT_SANDBOX_POLICY:-no policy}\"", "run-value no policy", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := sandboxed(t, p, tt.script, "RUN_VAR=run-value")
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, out, tt.wantCode, tt.wantOut)
			}
			if strings.Contains(out, "ghp_secret") {
				t.Errorf("the secret leaked: %q", out)
			}
		})
	}
}

// processesWith returns the PIDs whose environment holds marker.
func processesWith(marker string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(env, []byte(marker)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestNothingOutlivesTheProgram(t *testing.T) {
	if r := requireSandbox(t); !r.PIDNamespace {
		t.Skipf("no PID namespaces here: %s", strings.Join(r.Problems, "; "))
	}
	marker := "LEFTOVER_MARKER=" + strconv.FormatInt(time.Now().UnixNano(), 36)
	// env -i drops every variable a reaper could find the process by.
	out, code := sandboxed(t, Policy{PIDNamespace: true}, "env -i "+marker+" sleep 300 & echo started", marker)
	if code != 0 || !strings.Contains(out, "started") {
		t.Fatalf("exit %d: %s", code, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(processesWith(marker)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("processes outlived their run: %v", processesWith(marker))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSignalsReachTheProgram(t *testing.T) {
	r := requireSandbox(t)
	cmd := launcherCommand(t, Policy{PIDNamespace: r.PIDNamespace}, `trap 'echo interrupted; exit 42' INT; echo ready; while :; do sleep 0.05; done`)
	var out bytes.Buffer
	cmd.Stderr = &out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A signal that never arrives must fail the test, not hang it.
	watchdog := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()
	buf := make([]byte, 6)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest := new(bytes.Buffer)
	_, _ = rest.ReadFrom(stdout)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 42 || !strings.Contains(rest.String(), "interrupted") {
		t.Errorf("exit %d, output %q %q; want the program's trap to run", code, rest.String(), out.String())
	}
}

func TestPolicyCommandRefusesRelativePaths(t *testing.T) {
	for _, p := range []Policy{
		{Program: "terraform"},
		{Program: "/usr/bin/terraform", Read: []string{"cache"}},
		{Program: "/usr/bin/terraform", Write: []string{"./work"}},
	} {
		if _, err := p.Command("/usr/local/bin/csocbot"); err == nil || !strings.Contains(err.Error(), "not") {
			t.Errorf("Command(%+v) = %v, want a refusal", p, err)
		}
	}
}

func TestNetworkRestriction(t *testing.T) {
	if r := requireSandbox(t); !r.Network {
		t.Skipf("this kernel cannot limit network connections: %s", strings.Join(r.Problems, "; "))
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash on PATH")
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accepts until the listener closes with the test
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	script := fmt.Sprintf("bash -c 'exec 3<>/dev/tcp/127.0.0.1/%d' 2>/dev/null && echo connected || echo refused", port)
	tests := []struct {
		name   string
		policy Policy
		want   string
	}{
		{"unrestricted", Policy{}, "connected"},
		{"an allowed port", Policy{RestrictNetwork: true, ConnectPorts: []uint16{443, port}}, "connected"},
		{"a port not allowed", Policy{RestrictNetwork: true, ConnectPorts: []uint16{443}}, "refused"},
		{"no port at all", Policy{RestrictNetwork: true}, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := sandboxed(t, tt.policy, script)
			if !strings.Contains(out, tt.want) {
				t.Errorf("output %q, want %q", out, tt.want)
			}
		})
	}
}
