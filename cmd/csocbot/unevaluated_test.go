package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
)

const prodDir = "live/gen3-prod/us-east-1/prod/"

// brokenChange is a change that breaks the HCL of the prod data bucket
// (which irsa-hatchery depends on) and touches the csoc-dns root.
func brokenChange(t *testing.T) (repo *gittest.Repo, base, head string) {
	t.Helper()
	repo = gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	base = repo.CommitAll("base")
	repo.Append(prodDir+"s3-data/terragrunt.hcl", "\ninputs = {\n")
	repo.Append("terraform/csoc-dns/main.tf", "\n# touched\n")
	head = repo.CommitAll("break the data bucket")
	return repo, base, head
}

func TestDetectReportsUnitsThatDoNotEvaluate(t *testing.T) {
	repo, base, head := brokenChange(t)
	tests := []struct {
		name string
		json bool
	}{{"json", true}, {"text", false}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"detect", "--repo", repo.Dir, "--base", base, "--head", head}
			if tt.json {
				args = append(args, "--json")
			}
			code, out, stderr := runCLI(t, args...)
			if code != 1 {
				t.Errorf("exit %d, want 1 when a unit does not evaluate (stderr %q)", code, stderr)
			}
			if !tt.json {
				for _, want := range []string{"terraform/csoc-dns (terraform)", "skipped: dependency " + prodDir + "s3-data could not be evaluated",
					"Could not be evaluated", prodDir + "s3-data/terragrunt.hcl:"} {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
				return
			}
			var got struct {
				Units []struct {
					Path    string `json:"path"`
					Skipped string `json:"skipped"`
				} `json:"units"`
				Errors []struct {
					Path  string `json:"path"`
					Error string `json:"error"`
				} `json:"errors"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output is not the documented JSON: %v\n%s", err, out)
			}
			if len(got.Errors) != 1 || got.Errors[0].Path != prodDir+"s3-data" || !strings.Contains(got.Errors[0].Error, prodDir+"s3-data/terragrunt.hcl:") {
				t.Errorf("errors = %+v, want the s3-data unit with file:line", got.Errors)
			}
			skipped := map[string]string{}
			for _, u := range got.Units {
				skipped[u.Path] = u.Skipped
			}
			if s, ok := skipped["terraform/csoc-dns"]; !ok || s != "" {
				t.Errorf("csoc-dns: selected %v, skipped %q; want it selected and planned", ok, s)
			}
			if s := skipped[prodDir+"irsa-hatchery"]; s != "dependency "+prodDir+"s3-data could not be evaluated" {
				t.Errorf("irsa-hatchery skipped %q, want naming s3-data", s)
			}
		})
	}
}

func TestDetectJSONHasEmptyErrors(t *testing.T) {
	repo, base, head := sampleChange(t)
	code, out, stderr := runCLI(t, "detect", "--repo", repo.Dir, "--base", base, "--head", head, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, `"errors": []`) {
		t.Errorf(`output lacks "errors": []:\n%s`, out)
	}
}

func TestPreviewShowsUnitsThatDoNotEvaluate(t *testing.T) {
	terraformConfig(t)
	repo, base, head := brokenChange(t)
	code, out, stderr := runCLI(t, "preview", "--repo", repo.Dir, "--base", base, "--head", head, "--cache", t.TempDir())
	if code != 1 {
		t.Errorf("exit %d, want 1 (stderr %q)", code, stderr)
	}
	for _, want := range []string{"`" + prodDir + "s3-data` | | | | | ❌ failed", prodDir + "s3-data/terragrunt.hcl:", "Fix this configuration",
		"skipped: dependency " + prodDir + "s3-data could not be evaluated", "`terraform/csoc-dns`"} {
		if !strings.Contains(out, want) {
			t.Errorf("comment lacks %q:\n%s", want, out)
		}
	}
}
