package tfrun

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/testtools"
)

// The attacks of a hostile root module that uses only Terraform's own
// functions and a provisioner: read a secret file of the bot, another
// process's environment, and write outside its working directory.
const hostileRoot = `
terraform {
  backend "local" {}
}

output "secret" {
  value = try(file("SECRET"), "refused")
}

output "bot_environment" {
  value = try(file("/proc/PID/environ"), "refused")
}

resource "terraform_data" "exfiltrate" {
  provisioner "local-exec" {
    command = "cat SECRET > ${path.module}/stolen.txt 2>&1; echo planted > OUTSIDE/planted.txt 2>&1; true"
  }
}
`

func TestSandboxConfinesTerraform(t *testing.T) {
	tests := []struct {
		name     string
		sandbox  bool
		wantRead bool // the attack reads the secret
	}{
		{"sandboxed", true, false},
		// The control: without the sandbox the same attack succeeds, so
		// the test proves the sandbox rather than a broken attack.
		{"unconfined", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outside := t.TempDir()
			secret := writeFile(t, filepath.Join(outside, "webhook-secret"), "whsec-do-not-leak")
			root := strings.NewReplacer("SECRET", secret, "PID", strconv.Itoa(os.Getpid()), "OUTSIDE", outside).Replace(hostileRoot)
			opts := Options{}
			if tt.sandbox {
				opts.Sandbox = testtools.Sandbox(t)
			}
			r, dir := initRunner(t, root, opts)
			ctx := t.Context()
			if err := r.Apply(ctx, mustPlan(t, ctx, r, dir)); err != nil {
				t.Fatal(err)
			}
			outputs, err := r.Output(ctx)
			if err != nil {
				t.Fatal(err)
			}
			stolen, _ := os.ReadFile(filepath.Join(dir, "stolen.txt"))
			_, plantErr := os.Stat(filepath.Join(outside, "planted.txt"))
			leaked := map[string]bool{
				"file() of a secret file":          strings.Contains(string(outputs["secret"].Value), "whsec-do-not-leak"),
				"file() of the bot's environment":  strings.Contains(string(outputs["bot_environment"].Value), "PATH="),
				"a provisioner reading the secret": strings.Contains(string(stolen), "whsec-do-not-leak"),
				"a provisioner writing outside":    plantErr == nil,
			}
			for attack, ok := range leaked {
				if ok != tt.wantRead {
					t.Errorf("%s: succeeded = %v, want %v", attack, ok, tt.wantRead)
				}
			}
		})
	}
}

// BenchmarkSandboxOverhead plans a one-resource root, unconfined and
// sandboxed in the same run: the difference is the launcher's cost (one
// more exec, the Landlock ruleset, the PID namespace) per command. The
// launcher is the csocbot-sandbox binary, built here, as installed.
func BenchmarkSandboxOverhead(b *testing.B) {
	for _, tc := range []struct {
		name    string
		sandbox bool
	}{{"unconfined", false}, {"sandboxed", true}} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte("resource \"terraform_data\" \"x\" {\n  input = \"a\"\n}\n"), 0o644); err != nil {
				b.Fatal(err)
			}
			cli := filepath.Join(b.TempDir(), "empty.tfrc")
			if err := os.WriteFile(cli, nil, 0o644); err != nil {
				b.Fatal(err)
			}
			bin, err := Find(b.Context(), FindOptions{})
			if err != nil {
				b.Skipf("no terraform: %v", err)
			}
			opts := Options{Binary: bin, CLIConfigFile: cli}
			if tc.sandbox {
				confiner := testtools.Sandbox(b)
				launcher := filepath.Join(b.TempDir(), "csocbot-sandbox")
				if out, err := exec.Command("go", "build", "-o", launcher, "github.com/csocbot/csocbot/cmd/csocbot-sandbox").CombinedOutput(); err != nil {
					b.Fatalf("build the launcher: %v\n%s", err, out)
				}
				confiner.Self = launcher
				opts.Sandbox = confiner
			}
			r, err := New(dir, opts)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			if err := r.Init(b.Context()); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := r.Plan(b.Context(), filepath.Join(dir, "tfplan"), ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A provisioner that starts a process with an empty environment escapes
// the reaper, which finds leftovers by a variable in their environment.
// A sandboxed run's PID namespace ends it with the command.
func TestSandboxedRunLeavesNoProcess(t *testing.T) {
	sb := testtools.Sandbox(t)
	if !sb.PIDNamespace {
		t.Skip("no PID namespaces here")
	}
	marker := "LEFTOVER=" + strconv.FormatInt(time.Now().UnixNano(), 36)
	r, dir := initRunner(t, `
resource "terraform_data" "daemon" {
  provisioner "local-exec" {
    command = "env -i `+marker+` sleep 300 > /dev/null 2>&1 &"
  }
}
`, Options{Sandbox: sb})
	ctx := t.Context()
	if err := r.Apply(ctx, mustPlan(t, ctx, r, dir)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := 0
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ")); err == nil && strings.Contains(string(env), marker) {
				left++
			}
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d processes outlived the apply", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two runs at once: one holds credentials in its environment (as an apply
// with minted cloud credentials will) and has a saved plan; the other,
// hostile, reads both by path while the first is still running.
func TestSandboxedRunCannotReachAnotherRun(t *testing.T) {
	const credential = "AKIA-CONCURRENT-RUN-MARKER"
	for _, tc := range []struct {
		name    string
		sandbox bool
		leaks   bool
	}{
		{"sandboxed", true, false},
		{"unconfined", false, true}, // the control
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			victim, victimDir := initRunner(t, `
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 3"
  }
}
`, Options{Env: map[string]string{"AWS_SECRET_ACCESS_KEY": credential}})
			victimPlan := mustPlan(t, ctx, victim, victimDir)
			applied := make(chan error, 1)
			go func() { applied <- victim.Apply(ctx, victimPlan) }()
			defer func() { <-applied }()

			pid := waitForProcessWith(t, "AWS_SECRET_ACCESS_KEY="+credential)
			opts := Options{}
			if tc.sandbox {
				opts.Sandbox = testtools.Sandbox(t)
			}
			attacker, attackerDir := initRunner(t, strings.NewReplacer("PID", strconv.Itoa(pid), "PLAN", victimPlan).Replace(`
output "credentials" {
  value = try(file("/proc/PID/environ"), "refused")
}

output "plan" {
  value = try(filebase64("PLAN"), "refused")
}
`), opts)
			if err := attacker.Apply(ctx, mustPlan(t, ctx, attacker, attackerDir)); err != nil {
				t.Fatal(err)
			}
			outputs, err := attacker.Output(ctx)
			if err != nil {
				t.Fatal(err)
			}
			gotCredential := strings.Contains(string(outputs["credentials"].Value), credential)
			gotPlan := !strings.Contains(string(outputs["plan"].Value), "refused")
			if gotCredential != tc.leaks || gotPlan != tc.leaks {
				t.Errorf("read the other run's credentials: %v, its plan: %v; want %v", gotCredential, gotPlan, tc.leaks)
			}
		})
	}
}

// waitForProcessWith returns the PID of a process whose environment holds
// entry, waiting for it to start.
func waitForProcessWith(t *testing.T, entry string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ")); err == nil && strings.Contains(string(env), entry) {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no process with %s started", entry)
	return 0
}
