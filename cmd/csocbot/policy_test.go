package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rdsDeletePlan is a minimal `terraform show -json` plan deleting a
// database.
const rdsDeletePlan = `{
  "format_version": "1.2",
  "terraform_version": "1.11.4",
  "resource_changes": [{
    "address": "aws_db_instance.fence",
    "mode": "managed",
    "type": "aws_db_instance",
    "name": "fence",
    "provider_name": "registry.terraform.io/hashicorp/aws",
    "change": {"actions": ["delete"], "before": {"identifier": "fence"}, "after": null}
  }]
}`

func TestPolicyCommands(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(plan, []byte(rdsDeletePlan), 0o644); err != nil {
		t.Fatal(err)
	}
	library := filepath.Join("..", "..", "policy", "library")
	infra := filepath.Join("..", "..", "testdata", "infra")
	// A repository with a plain root that runs a command when applied,
	// through a local module.
	hooked := t.TempDir()
	for name, body := range map[string]string{
		"terraform/seed/main.tf":       "module \"hook\" {\n  source = \"../../modules/hook\"\n}\n",
		"modules/hook/main.tf":         "resource \"terraform_data\" \"run\" {\n  provisioner \"local-exec\" {\n    command = \"id\"\n  }\n}\n",
		"terraform/broken/main.tf":     "resource \"terraform_data\" {\n",
		"live/prod/app/terragrunt.hcl": "terraform {\n  source = \"git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/commons?ref=master\"\n}\n",
	} {
		p := filepath.Join(hooked, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"library tests pass", []string{"policy", "test", library}, 0, "0 failed"},
		{"deny in prod", []string{"policy", "eval", "--policies", library, "--plan", plan, "--unit", "live/prod/rds", "--env", "prod"}, 1, "data_store_protection"},
		{"allowed outside prod", []string{"policy", "eval", "--policies", library, "--plan", plan, "--unit", "live/staging/rds", "--env", "staging"}, 0, "0 blocking"},
		{"neither plan nor unit", []string{"policy", "eval", "--policies", library}, 2, ""},
		{"repo without unit", []string{"policy", "eval", "--policies", library, "--plan", plan, "--repo", infra}, 2, ""},
		{"pre-plan: provisioner in a local module", []string{"policy", "eval", "--policies", library, "--unit", "terraform/seed", "--repo", hooked}, 1, "resource module.hook.terraform_data.run has a local-exec provisioner"},
		{"pre-plan: unpinned source in prod", []string{"policy", "eval", "--policies", library, "--unit", "live/prod/app", "--repo", hooked, "--env", "prod"}, 1, "module_source_pinned"},
		{"pre-plan: the sample units pass", []string{"policy", "eval", "--policies", library, "--unit", "live/gen3-prod/us-east-1/prod/vpc", "--repo", infra, "--env", "prod"}, 0, "0 blocking"},
		{"a root that does not parse", []string{"policy", "eval", "--policies", library, "--unit", "terraform/broken", "--repo", hooked}, 1, ""},
		{"unknown subcommand", []string{"policy", "lint"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s", code, tt.code, out, errOut)
			}
		})
	}
}
