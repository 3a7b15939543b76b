package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeCheck(t *testing.T) {
	// The example, with a data_dir this test can write and its policy
	// library where the example means it.
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	library, err := filepath.Abs(filepath.Join("..", "..", "policy", "library"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	raw = []byte(strings.NewReplacer("data_dir: /var/lib/csocbot", "data_dir: "+dir, "path: ../policy/library", "path: "+library).Replace(string(raw)))
	example := filepath.Join(dir, "example.yaml")
	if err := os.WriteFile(example, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// The example with a policy set whose rule does not compile.
	badRules := filepath.Join(dir, "rules")
	if err := os.Mkdir(badRules, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badRules, "bad.rego"), []byte("package csocbot.bad\ndeny contains msg if {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badPolicy := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(badPolicy, []byte(strings.Replace(string(raw), "path: "+library, "path: "+badRules, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"CSOCBOT_GITHUB_TOKEN": "ghp_x", "CSOCBOT_WEBHOOK_SECRET": "s"}
	tests := []struct {
		name   string
		config string
		env    map[string]string
		code   int
		stdout string
		stderr string
	}{
		{"example with its secrets in the environment", example, secrets, 0, "is valid: 2 repositories, 1 policy set,", ""},
		{"example without its secrets", example, map[string]string{"CSOCBOT_GITHUB_TOKEN": "", "CSOCBOT_WEBHOOK_SECRET": ""}, 1, "", "CSOCBOT_WEBHOOK_SECRET"},
		{"a policy set that does not compile", badPolicy, secrets, 1, "", `policy set "gen3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, errOut := runCLI(t, "serve", "--config", tt.config, "--check")
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
			}
		})
	}
	if code, _, errOut := runCLI(t, "serve"); code != 2 || !strings.Contains(errOut, "--config is required") {
		t.Errorf("serve without --config: exit %d, %s", code, errOut)
	}
}
