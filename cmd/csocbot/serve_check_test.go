package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeTools makes a folder of programs that print a version and exit, by
// name, for PATH.
func fakeTools(t *testing.T, versions map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, line := range versions {
		script := "#!/bin/sh\necho '" + line + "'\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestServeCheckFindsWhatServeNeeds checks that serve --check says valid
// only when serve would start, names each problem with what to do, and
// that serve refuses to start with the same words.
func TestServeCheckFindsWhatServeNeeds(t *testing.T) {
	good := map[string]string{"terraform": "Terraform v1.11.4", "git": "git version 2.39.5", "terragrunt": "terragrunt version v0.63.6"}
	with := func(name, line string) map[string]string {
		tools := map[string]string{}
		for k, v := range good {
			tools[k] = v
		}
		if line == "" {
			delete(tools, name)
		} else {
			tools[name] = line
		}
		return tools
	}
	aFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(aFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		tools    map[string]string
		settings string
		dataDir  string
		problems []string // on stderr; none means valid
		stdout   string
	}{
		{name: "everything there", tools: good, stdout: "terraform: Terraform 1.11.4 at "},
		{name: "terragrunt engine with terragrunt", tools: good, settings: "terraform:\n  engine: terragrunt\n", stdout: "terragrunt: 0.63.6 at "},
		{name: "a data_dir to create", tools: good, dataDir: filepath.Join(t.TempDir(), "new", "data"), stdout: "is valid"},
		{name: "old git with the branch strategy", tools: with("git", "git version 2.30.1"), settings: "checkout_strategy: branch\n", stdout: "is valid"},
		{name: "no terraform", tools: with("terraform", ""), problems: []string{"no terraform or tofu executable found on PATH", "install Terraform >= 1.5"}},
		{name: "terraform too old", tools: with("terraform", "Terraform v1.4.6"), problems: []string{"version 1.4.6, older than the minimum 1.5.0"}},
		{name: "configured terraform missing", tools: good, settings: "terraform:\n  binary: /nonexistent/terraform\n", problems: []string{`configured binary "/nonexistent/terraform"`}},
		{name: "terragrunt engine without terragrunt", tools: with("terragrunt", ""), settings: "terraform:\n  engine: terragrunt\n", problems: []string{"terragrunt engine:", "install terragrunt or switch back to the native engine"}},
		{name: "no git", tools: with("git", ""), problems: []string{"git:", "install git 2.38 or later, or set checkout_strategy: branch"}},
		{name: "git too old", tools: with("git", "git version 2.37.1"), problems: []string{"is version 2.37.1, older than 2.38", "set checkout_strategy: branch"}},
		{name: "data_dir is a file", tools: good, dataDir: aFile, problems: []string{"data_dir: csocbot cannot write in " + aFile + ": " + aFile + " is a file, not a folder", "or change data_dir"}},
		{name: "data_dir under a file", tools: good, dataDir: filepath.Join(aFile, "data"), problems: []string{"is a file, not a folder"}},
		{name: "every problem at once", tools: with("git", "git version 2.20.0"), dataDir: aFile, settings: "terraform:\n  binary: /nonexistent/terraform\n",
			problems: []string{"configured binary", "older than 2.38", "data_dir: csocbot cannot write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", fakeTools(t, tt.tools))
			t.Setenv("TEST_TOKEN", "ghp_x")
			t.Setenv("TEST_SECRET", "s")
			dataDir := tt.dataDir
			if dataDir == "" {
				dataDir = t.TempDir()
			}
			cfg := filepath.Join(t.TempDir(), "config.yaml")
			yaml := "listen: 127.0.0.1:1\ndata_dir: " + dataDir + `
github:
  token_env: TEST_TOKEN
  webhook_secret_env: TEST_SECRET
repositories:
  - name: csoc/infra
    kind: infra
sandbox:
  mode: off
` + tt.settings
			if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI(t, "serve", "--config", cfg, "--check")
			if len(tt.problems) == 0 {
				if code != 0 || !strings.Contains(out, tt.stdout) || !strings.Contains(out, "is valid") || errOut != "" {
					t.Errorf("exit %d, want 0 with %q\nstdout %s\nstderr %s", code, tt.stdout, out, errOut)
				}
				return
			}
			if code != 1 || !strings.Contains(errOut, "is valid, but serve would not start:") || strings.Contains(out, "is valid") {
				t.Errorf("exit %d, want 1 saying serve would not start\nstdout %s\nstderr %s", code, out, errOut)
			}
			for _, p := range tt.problems {
				if !strings.Contains(errOut, p) {
					t.Errorf("stderr lacks %q:\n%s", p, errOut)
				}
			}

			// serve itself refuses to start, for the same reasons.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var serveErr strings.Builder
			if code := run(ctx, []string{"serve", "--config", cfg}, &strings.Builder{}, &serveErr); code != 1 {
				t.Errorf("serve: exit %d, want 1", code)
			}
			for _, p := range tt.problems {
				if !strings.Contains(serveErr.String(), p) {
					t.Errorf("serve's error lacks %q:\n%s", p, serveErr.String())
				}
			}
		})
	}
}
