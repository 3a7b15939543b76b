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
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"library tests pass", []string{"policy", "test", library}, 0, "0 failed"},
		{"deny in prod", []string{"policy", "eval", "--policies", library, "--plan", plan, "--unit", "live/prod/rds", "--env", "prod"}, 1, "data_store_protection"},
		{"allowed outside prod", []string{"policy", "eval", "--policies", library, "--plan", plan, "--unit", "live/staging/rds", "--env", "staging"}, 0, "0 blocking"},
		{"missing plan", []string{"policy", "eval", "--policies", library}, 2, ""},
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
