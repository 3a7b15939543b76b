package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
)

// sampleChange is the sample infra repository with a pull-request-like
// change: widen the prod VPC, which its dependents follow.
func sampleChange(t *testing.T) (repo *gittest.Repo, base, head string) {
	t.Helper()
	repo = gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	base = repo.CommitAll("base")
	repo.Replace("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", "10.10.0.0/16", "10.20.0.0/16")
	head = repo.CommitAll("widen the prod VPC")
	return repo, base, head
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDetectJSON(t *testing.T) {
	repo, base, head := sampleChange(t)
	code, out, stderr := runCLI(t, "detect", "--repo", repo.Dir, "--base", base, "--head", head, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Units []struct {
			Path         string   `json:"path"`
			Kind         string   `json:"kind"`
			Reasons      []string `json:"reasons"`
			Dependencies []string `json:"dependencies"`
		} `json:"units"`
		Deleted []string `json:"deleted"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not the documented JSON: %v\n%s", err, out)
	}
	if len(got.Units) != 5 || got.Units[0].Path != "live/gen3-prod/us-east-1/prod/vpc" || got.Units[0].Kind != "terragrunt" {
		t.Errorf("units = %+v, want the vpc first and its 4 dependents", got.Units)
	}
	if got.Deleted == nil {
		t.Error(`"deleted" is null, want []`)
	}
}

func TestDetectText(t *testing.T) {
	repo, base, head := sampleChange(t)
	code, out, _ := runCLI(t, "detect", "--repo", repo.Dir, "--base", base, "--head", head)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"5 units affected", "In apply order:", "1. live/gen3-prod/us-east-1/prod/vpc (terragrunt)", "depends on live/gen3-prod/us-east-1/prod/vpc"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown command", []string{"deploy"}, 2, `unknown command "deploy"`},
		{"missing revisions", []string{"detect", "--repo", "."}, 2, "both --base and --head are required"},
		{"unknown flag", []string{"detect", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"stray argument", []string{"detect", "--base", "a", "--head", "b", "extra"}, 2, `unexpected argument "extra"`},
		{"not a repository", []string{"detect", "--repo", os.TempDir(), "--base", "a", "--head", "b"}, 1, "is not a git repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
		})
	}
}

func terraformConfig(t *testing.T) {
	t.Helper()
	cli := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cli, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_CLI_CONFIG_FILE", cli)
}

func TestPreviewPrintsTheComment(t *testing.T) {
	terraformConfig(t)
	repo, base, head := sampleChange(t)
	code, out, stderr := runCLI(t, "preview", "--repo", repo.Dir, "--base", base, "--head", head, "--cache", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	for _, want := range []string{"### csocbot plan for `" + head[:7] + "`", "| Unit | + | ~ | - | ± | Status |",
		"`live/gen3-prod/us-east-1/prod/vpc`", "<details>", "```diff"} {
		if !strings.Contains(out, want) {
			t.Errorf("comment lacks %q", want)
		}
	}
}

func TestPreviewRejectsAnUnknownEngine(t *testing.T) {
	terraformConfig(t)
	repo, base, head := sampleChange(t)
	code, _, stderr := runCLI(t, "preview", "--repo", repo.Dir, "--base", base, "--head", head, "--cache", t.TempDir(), "--engine", "magic")
	if code != 2 || !strings.Contains(stderr, "--engine must be native or terragrunt") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestPreviewExitsNonZeroWhenAPlanFails(t *testing.T) {
	terraformConfig(t)
	repo, base, _ := sampleChange(t)
	repo.Replace("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", "10.20.0.0/16", "10.20.0.0/99")
	head := repo.CommitAll("invalid CIDR")
	code, out, _ := runCLI(t, "preview", "--repo", repo.Dir, "--base", base, "--head", head, "--cache", t.TempDir(), "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var got struct {
		Units []struct {
			Path, Status, FailedCommand, Error, SkipReason string
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	statuses := map[string]string{}
	for _, u := range got.Units {
		statuses[u.Path] = u.Status
	}
	if statuses["live/gen3-prod/us-east-1/prod/vpc"] != "failed" || statuses["live/gen3-prod/us-east-1/prod/eks"] != "skipped" {
		t.Errorf("statuses = %v, want vpc failed and eks skipped", statuses)
	}
}

func TestPreviewChecksPolicies(t *testing.T) {
	terraformConfig(t)
	library := filepath.Join("..", "..", "policy", "library")
	guard := t.TempDir()
	if err := os.WriteFile(filepath.Join(guard, "prod.rego"), []byte(`package csocbot.prod_changes
warn contains sprintf("%d resources change in prod", [count(input.changes)]) if {
	input.unit.environment == "prod"
	count(input.changes) > 0
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	repo, base, _ := sampleChange(t)
	repo.Append("terraform/csoc-dns/main.tf", "resource \"terraform_data\" \"hook\" {\n  provisioner \"local-exec\" {\n    command = \"id\"\n  }\n}\n")
	head := repo.CommitAll("add a hook")
	args := []string{"preview", "--repo", repo.Dir, "--base", base, "--head", head, "--cache", t.TempDir(),
		"--policies", library, "--policies", guard, "--environment", "prod=live/*/*/prod/**"}

	code, out, stderr := runCLI(t, args...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a policy blocks a unit): %s\n%s", code, stderr, out)
	}
	for _, want := range []string{
		"| Policy |",
		"🚫 blocked by policy",
		"| `library` | `untrusted_code` | ❌ denied | terraform/csoc-dns: resource terraform\\_data.hook has a local-exec provisioner",
		"| `" + filepath.Base(guard) + "` | `prod_changes` | ⚠️ warning |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("comment lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCLI(t, append(args, "--json")...)
	var got struct {
		Units []struct {
			Path, Status string
			BlockReason  string `json:"block_reason"`
			Policy       *struct {
				Moment  string
				Results []struct{ Set, Rule, Kind string }
			}
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	for _, u := range got.Units {
		switch {
		case u.Path == "terraform/csoc-dns":
			if u.Status != "blocked" || u.BlockReason != "blocked by policy set library" || u.Policy == nil || u.Policy.Moment != "pre-plan" {
				t.Errorf("csoc-dns: %+v", u)
			}
		case u.Policy == nil || u.Policy.Moment != "post-plan":
			t.Errorf("%s: policy results %+v, want post-plan results", u.Path, u.Policy)
		}
	}
}
