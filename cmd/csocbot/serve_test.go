package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestServeCheck(t *testing.T) {
	example := filepath.Join("..", "..", "config", "example.yaml")
	tests := []struct {
		name   string
		env    map[string]string
		code   int
		stdout string
		stderr string
	}{
		{"example with its secrets in the environment", map[string]string{"CSOCBOT_GITHUB_TOKEN": "ghp_x", "CSOCBOT_WEBHOOK_SECRET": "s"}, 0, "is valid", ""},
		{"example without its secrets", map[string]string{"CSOCBOT_GITHUB_TOKEN": "", "CSOCBOT_WEBHOOK_SECRET": ""}, 1, "", "CSOCBOT_WEBHOOK_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, errOut := runCLI(t, "serve", "--config", example, "--check")
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
			}
		})
	}
	if code, _, errOut := runCLI(t, "serve"); code != 2 || !strings.Contains(errOut, "--config is required") {
		t.Errorf("serve without --config: exit %d, %s", code, errOut)
	}
}
