package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/planner/sandbox"
	"github.com/csocbot/csocbot/planner/tfrun"
)

func TestMain(m *testing.M) {
	sandbox.Main() // the test binary is the launcher of sandboxed runs
	os.Exit(m.Run())
}

// A whole run confined: every unit of the sample repository plans, a
// dependency's state is read, and an apply writes the local backend's
// state in the one folder outside the run the operator made writable.
func TestSandboxedRunPlansAndApplies(t *testing.T) {
	f := newFixture(t)
	state := filepath.Join(f.repo.Dir, ".state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := f.engine.opts
	opts.Sandbox, opts.Writable = testtools.Sandbox(t), []string{state}
	opts.CLIConfigFile = ""
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.engine = e
	f.touchAll()
	ctx := context.Background()
	run := f.plan(ctx)
	for _, r := range run.Results {
		if r.Status != Planned {
			t.Errorf("%s: %s %v %s", r.Path, r.Status, r.Err, r.ErrorTail)
		}
	}
	f.apply(run, prod+"vpc")
	f.repo.Append(prod+"eks/terragrunt.hcl", "\n")
	eks := f.result(f.plan(ctx, prod+"eks"), prod+"eks")
	if vpcID := clusterVPC(eks); eks.Status != Planned || vpcID == "" || vpcID == "vpc-00000000" {
		t.Errorf("eks: %s, vpc_id %q; want planned with the applied vpc's id", eks.Status, vpcID)
	}
}

// A pull request may commit a "provider" under terraform.d/plugins, one of
// terraform's implied local mirrors. The CLI configuration csocbot writes
// makes terraform install providers only from registries, so the
// committed program never runs.
func TestCommittedProviderNeverRuns(t *testing.T) {
	bin, err := tfrun.Find(context.Background(), tfrun.FindOptions{})
	if err != nil {
		t.Skipf("no terraform or tofu: %v", err)
	}
	for _, tc := range []struct {
		name    string
		csocbot bool // the CLI configuration csocbot writes, or an empty one
		wantRan bool
	}{
		{"csocbot's CLI configuration", true, false},
		// The control: terraform's defaults run the committed program.
		{"terraform's defaults", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, marker := t.TempDir(), filepath.Join(t.TempDir(), "provider-ran")
			write := func(name, content string, mode os.FileMode) {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), mode); err != nil {
					t.Fatal(err)
				}
			}
			write("main.tf", "terraform {\n  required_providers {\n    evil = { source = \"localhost/attacker/evil\" }\n  }\n}\nresource \"evil_thing\" \"x\" {}\n", 0o644)
			write("terraform.d/plugins/localhost/attacker/evil/1.0.0/linux_amd64/terraform-provider-evil_v1.0.0",
				"#!/bin/sh\ntouch "+marker+"\nexit 1\n", 0o755)
			cli := filepath.Join(t.TempDir(), "empty.tfrc")
			if err := os.WriteFile(cli, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.csocbot {
				if cli, err = writeCLIConfig(t.TempDir(), cli); err != nil {
					t.Fatal(err)
				}
			}
			r, err := tfrun.New(dir, tfrun.Options{Binary: bin, CLIConfigFile: cli})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			ctx := t.Context()
			if err := r.Init(ctx); err == nil {
				_, _ = r.Plan(ctx, filepath.Join(dir, "tfplan"), "")
			}
			_, statErr := os.Stat(marker)
			if ran := statErr == nil; ran != tc.wantRan {
				t.Errorf("committed provider ran = %v, want %v", ran, tc.wantRan)
			}
		})
	}
}

func TestWriteCLIConfig(t *testing.T) {
	for _, tc := range []struct {
		name, operator string
		wantDirect     bool
	}{
		{"no operator configuration", "", true},
		{"operator's mirror settings kept", "plugin_cache_may_break_dependency_lock_file = false\n", true},
		{"operator's own provider_installation decides", "provider_installation {\n  network_mirror { url = \"https://mirror.example/\" }\n}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := ""
			if tc.operator != "" {
				from = filepath.Join(t.TempDir(), "operator.tfrc")
				if err := os.WriteFile(from, []byte(tc.operator), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			path, err := writeCLIConfig(t.TempDir(), from)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(b), tc.operator) || strings.Contains(string(b), "direct {}") != tc.wantDirect {
				t.Errorf("wrote:\n%s", b)
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "bad.tfrc")
	if err := os.WriteFile(bad, []byte("provider_installation {"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := writeCLIConfig(t.TempDir(), bad); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("a broken operator file: %v", err)
	}
}
