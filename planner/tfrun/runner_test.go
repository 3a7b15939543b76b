package tfrun

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/csocbot/csocbot/internal/testtools"
)

// TestEnvironmentDoesNotLeak applies a configuration whose provisioner
// dumps its environment, and checks that only the allowlist got through.
func TestEnvironmentDoesNotLeak(t *testing.T) {
	secrets := map[string]string{
		"GITHUB_TOKEN":          "ghp_secretvalue",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI-secret-key",
		"TF_VAR_password":       "hunter2-from-the-bot",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	t.Setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
	dir := newConfig(t, `
terraform {
  backend "local" {}
}

resource "terraform_data" "env" {
  provisioner "local-exec" {
    command = "env > ${path.module}/env.txt"
  }
}
`)
	r := newRunner(t, dir, Options{Env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAEXPLICIT"}})
	ctx := t.Context()
	if err := r.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(ctx, mustPlan(t, ctx, r, dir)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dump := string(raw)
	for k, v := range secrets {
		if strings.Contains(dump, k) || strings.Contains(dump, v) {
			t.Errorf("%s leaked into terraform's environment", k)
		}
	}
	env := envMap(dump)
	want := map[string]string{
		"AWS_ACCESS_KEY_ID":  "AKIAEXPLICIT",
		"HOME":               r.tmpHome,
		"TMPDIR":             filepath.Join(r.tmpHome, "tmp"),
		"PATH":               os.Getenv("PATH"),
		"HTTPS_PROXY":        "http://proxy.invalid:3128",
		"CHECKPOINT_DISABLE": "1",
		"TF_IN_AUTOMATION":   "1",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%q in terraform's environment, want %q", k, env[k], v)
		}
	}
	// Every variable is one the Runner or terraform-exec sets, or one sh
	// sets for itself.
	allowed := []string{runIDVar, "PWD", "OLDPWD", "SHLVL", "_", "TF_CLI_CONFIG_FILE", "TF_APPEND_USER_AGENT", "TF_LOG", "TF_LOG_CORE", "TF_LOG_PATH", "TF_LOG_PROVIDER"}
	for k := range env {
		if _, ok := want[k]; !ok && !slices.Contains(allowed, k) {
			t.Errorf("unexpected variable %s in terraform's environment", k)
		}
	}
}

// envMap parses the output of env(1).
func envMap(dump string) map[string]string {
	env := map[string]string{}
	for line := range strings.Lines(dump) {
		if k, v, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "="); ok {
			env[k] = v
		}
	}
	return env
}

func TestNewRejectsEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"HOME is the Runner's", map[string]string{"HOME": "/root"}, "Options.Env may not set HOME"},
		{"PATH is the Runner's", map[string]string{"PATH": "/tmp"}, "Options.Env may not set PATH"},
		{"plugin cache is an option", map[string]string{"TF_PLUGIN_CACHE_DIR": "/tmp"}, "Options.Env may not set TF_PLUGIN_CACHE_DIR"},
		{"terraform-exec manages TF_LOG", map[string]string{"TF_LOG": "TRACE"}, `manual setting of env var "TF_LOG"`},
		{"terraform-exec manages TF_VAR_", map[string]string{"TF_VAR_x": "1"}, `manual setting of env var "TF_VAR_x"`},
	}
	b := Binary{Path: "/bin/false", Flavor: Terraform}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(t.TempDir(), Options{Binary: b, Env: tt.env})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	t.Run("terraform-exec would leak TF_APPEND_USER_AGENT", func(t *testing.T) {
		t.Setenv(userAgentVar, "bot/1.0")
		_, err := New(t.TempDir(), Options{Binary: b})
		if err == nil || !strings.Contains(err.Error(), userAgentVar+" is set") {
			t.Fatalf("New() error = %v", err)
		}
	})
	t.Run("ErrManualEnvVar is wrapped", func(t *testing.T) {
		_, err := New(t.TempDir(), Options{Binary: b, Env: map[string]string{"TF_INPUT": "1"}})
		if target := new(tfexec.ErrManualEnvVar); !errors.As(err, &target) {
			t.Fatalf("New() error = %v, want a *tfexec.ErrManualEnvVar", err)
		}
	})
}

func TestCloseRemovesPrivateHome(t *testing.T) {
	r, err := New(t.TempDir(), Options{Binary: Binary{Path: "/bin/false", Flavor: Terraform}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.tmpHome); err != nil {
		t.Fatalf("private HOME: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.tmpHome); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("private HOME still there after Close: %v", err)
	}
}

func TestLoggerGetsOutputLines(t *testing.T) {
	var logs testtools.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r, dir := initRunner(t, `resource "terraform_data" "x" {}`, Options{Logger: logger, Name: "live/dev"})
	mustPlan(t, t.Context(), r, dir)

	found := false
	for line := range strings.Lines(logs.String()) {
		if jsonField(t, line, "command") == "plan" && jsonField(t, line, "stream") == "stdout" &&
			jsonField(t, line, "dir") == "live/dev" && strings.HasPrefix(jsonField(t, line, "msg"), "Plan: 1 to add") {
			found = true
		}
	}
	if !found {
		t.Errorf("no debug record of the plan summary line in:\n%s", logs.String())
	}
}

func TestOutputLimit(t *testing.T) {
	r, dir := initRunner(t, `resource "terraform_data" "x" {}`, Options{OutputLimit: 64})
	writeFile(t, filepath.Join(dir, "main.tf"), strings.Repeat("resource \"terraform_data\" \"x\" {\n  input = nope.nope\n}\n", 3))
	_, err := r.Plan(t.Context(), "", "")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Plan() error = %v, want an *Error", err)
	}
	if !strings.Contains(e.Stderr, "bytes omitted") || len(e.Stderr) > 2*64+100 {
		t.Errorf("stderr not bounded to 2×64 bytes:\n%s", e.Stderr)
	}
}
