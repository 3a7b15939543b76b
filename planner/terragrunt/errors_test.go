package terragrunt

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestErrorMessages covers the errors a pull request can cause: each names
// the file, line and column and says what is wrong.
func TestErrorMessages(t *testing.T) {
	base := map[string]string{
		"root.hcl":                     "",
		"live/prod/vpc/terragrunt.hcl": "",
		"live/prod/nested.hcl":         "include \"x\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n",
		"live/prod/bad.hcl":            "locals {\n  x = \n}\n",
	}
	tests := []struct {
		name string
		unit string
		opts Options
		want []string
	}{
		// syntax and structure
		{"bad syntax", "locals {\n  x = \n}\n", Options{}, []string{unitFile + ":2:", "Invalid expression"}},
		{"unclosed block", "locals {\n  a = 1\n", Options{}, []string{unitFile + ":1:8", "Unclosed configuration block"}},
		{"multi-line string", "inputs = {\n  a = \"x\n}\n", Options{}, []string{unitFile + ":2:9", "Invalid multi-line string", "\n" + unitFile + ":3:2"}},
		{"unknown block", "terraform_foo {\n}\n", Options{}, []string{unitFile + ":1:1", "Unsupported block type", `Terragrunt has no "terraform_foo" block`, "supported blocks are"}},
		{"unknown attribute", "\ninput = {}\n", Options{}, []string{unitFile + ":2:1", "Unsupported argument", `no top-level argument "input"`}},
		{"duplicate attribute", "skip = true\nskip = false\n", Options{}, []string{unitFile + ":2:1", "Attribute redefined"}},
		{"duplicate locals block", "locals {}\nlocals {}\n", Options{}, []string{unitFile + ":2:1", "Duplicate locals block"}},
		{"block inside locals", "locals {\n  x {}\n}\n", Options{}, []string{unitFile + ":2:3", "locals holds only attributes"}},

		// include
		{"missing include file", "include \"root\" {\n  path = \"../nope.hcl\"\n}\n", Options{}, []string{unitFile + ":2:10", "Include not found", "live/prod/nope.hcl does not exist"}},
		{"include outside the repository", "include \"root\" {\n  path = \"/etc/root.hcl\"\n}\n", Options{}, []string{unitFile + ":2:10", "Invalid include path", "/etc/root.hcl is outside the repository"}},
		{"include without path", "include \"root\" {\n}\n", Options{}, []string{unitFile + ":1:1", "Missing include path"}},
		{"include with unknown argument", "include \"root\" {\n  path = \"/repo/root.hcl\"\n  expose_all = true\n}\n", Options{}, []string{unitFile + ":3:3", `no argument "expose_all"`}},
		{"bad merge strategy", "include \"root\" {\n  path = \"/repo/root.hcl\"\n  merge_strategy = \"deeper\"\n}\n", Options{}, []string{unitFile + ":3:20", "Invalid merge_strategy", `"deeper" is not a merge strategy`}},
		{"duplicate include", "include \"a\" {\n  path = \"/repo/root.hcl\"\n}\ninclude \"a\" {\n  path = \"/repo/root.hcl\"\n}\n", Options{}, []string{unitFile + ":4:1", "Duplicate include", `"a"`}},
		{"nested include", "include \"n\" {\n  path = \"../nested.hcl\"\n}\n", Options{}, []string{"live/prod/nested.hcl:1:1", "Nested include", "only one level of include"}},
		{"error in the included file", "include \"b\" {\n  path = \"../bad.hcl\"\n}\n", Options{}, []string{"live/prod/bad.hcl:2:", "Invalid expression"}},
		{"include path from a local", "locals {\n  p = \"/repo/root.hcl\"\n}\ninclude \"r\" {\n  path = local.p\n}\n", Options{}, []string{unitFile + ":5:10", `There is no variable named "local"`}},
		{"include path not known", "include \"r\" {\n  path = get_env(\"ROOT\")\n}\n", Options{UnknownEnv: true}, []string{unitFile + ":2:10", "Value not known", "path depends on a value that is not known"}},

		// locals
		{"locals cycle", "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n  d = 1\n}\n", Options{}, []string{unitFile + ":2:3", "Cycle in locals", "local.a, local.b, local.c"}},
		{"self-referencing local", "locals {\n  a = \"${local.a}x\"\n}\n", Options{}, []string{unitFile + ":2:3", "Cycle in locals", "local.a"}},
		{"missing local", "locals {\n  a = local.nope\n}\n", Options{}, []string{unitFile + ":2:", "Unsupported attribute", `"nope"`}},
		{"local referring to a dependency", "dependency \"vpc\" {\n  config_path = \"../vpc\"\n}\nlocals {\n  a = dependency.vpc.outputs.id\n}\n", Options{}, []string{unitFile + ":5:7", `There is no variable named "dependency"`}},

		// terraform
		{"source leaving the repository", "terraform {\n  source = \"../../../../modules/vpc\"\n}\n", Options{}, []string{unitFile + ":2:12", "Invalid terraform.source", "leaves the repository"}},
		{"source subdir leaving the repository", "terraform {\n  source = \"${get_repo_root()}//../x\"\n}\n", Options{}, []string{unitFile + ":2:12", "Invalid terraform.source", "leaves the repository"}},
		{"absolute source outside the repository", "terraform {\n  source = \"/opt/modules/vpc\"\n}\n", Options{}, []string{unitFile + ":2:12", "Invalid terraform.source", "/opt/modules/vpc is outside the repository (/repo)"}},
		{"source not known", "terraform {\n  source = \"git::https://x/y.git?ref=${get_env(\"REF\")}\"\n}\n", Options{UnknownEnv: true}, []string{unitFile + ":2:12", "Value not known", "source depends on a value", "terragrunt env"}},
		{"source not a string", "terraform {\n  source = [\"a\"]\n}\n", Options{}, []string{unitFile + ":2:12", "Invalid value", "source: string required"}},
		{"extra_arguments with a null env var", "terraform {\n  extra_arguments \"x\" {\n    env_vars = { A = null }\n  }\n}\n", Options{}, []string{unitFile + ":3:16", "env_vars.A must not be null"}},
		{"extra_arguments commands not a list", "terraform {\n  extra_arguments \"x\" {\n    commands = { a = 1 }\n  }\n}\n", Options{}, []string{unitFile + ":3:16", "commands must be a list of strings"}},

		// dependency
		{"dependency path without a unit", "dependency \"db\" {\n  config_path = \"../db\"\n}\n", Options{}, []string{unitFile + ":2:17", "Dependency not found", `dependency "db" points at live/prod/db, which has no terragrunt.hcl`}},
		{"dependency without config_path", "dependency \"db\" {\n}\n", Options{}, []string{unitFile + ":1:1", "Missing config_path", `dependency "db" needs config_path`}},
		{"dependency without name", "dependency {\n  config_path = \"../vpc\"\n}\n", Options{}, []string{unitFile + ":1:1", "Missing dependency name"}},
		{"duplicate dependency", "dependency \"v\" {\n  config_path = \"../vpc\"\n}\ndependency \"v\" {\n  config_path = \"../vpc\"\n}\n", Options{}, []string{unitFile + ":4:1", "Duplicate dependency", `"v"`}},
		{"dependency unknown argument", "dependency \"v\" {\n  config_path = \"../vpc\"\n  mock_output = {}\n}\n", Options{}, []string{unitFile + ":3:3", `a dependency block has no argument "mock_output"`}},
		{"dependency bad merge strategy", "dependency \"v\" {\n  config_path = \"../vpc\"\n  mock_outputs_merge_strategy_with_state = \"deep\"\n}\n", Options{}, []string{unitFile + ":3:44", `"deep" is not a merge strategy; use no_merge, shallow or deep_map_only`}},
		{"dependency enabled not a bool", "dependency \"v\" {\n  config_path = \"../vpc\"\n  enabled = \"maybe\"\n}\n", Options{}, []string{unitFile + ":3:13", "enabled must be true or false"}},
		{"missing dependency output", "dependency \"vpc\" {\n  config_path = \"../vpc\"\n  mock_outputs = { a = 1 }\n}\ninputs = {\n  id = dependency.vpc.outputs.id\n}\n", Options{Command: "plan"}, []string{unitFile + ":6:", "Unsupported attribute", `"id"`}},
		{"unknown dependency", "inputs = {\n  id = dependency.nope.outputs.id\n}\n", Options{}, []string{unitFile + ":2:", "Unsupported attribute", `"nope"`}},
		{"dependencies path without a unit", "dependencies {\n  paths = [\"../vpc\", \"../db\"]\n}\n", Options{}, []string{unitFile + ":2:11", "Dependency not found", "dependencies.paths names live/prod/db, which has no terragrunt.hcl"}},
		{"dependencies without paths", "dependencies {\n}\n", Options{}, []string{unitFile + ":1:1", "Missing paths"}},

		// other blocks and attributes
		{"inputs not a map", "inputs = [1]\n", Options{}, []string{unitFile + ":1:10", "Invalid inputs", "not tuple"}},
		{"remote_state not an object", "remote_state = \"s3\"\n", Options{}, []string{unitFile + ":1:16", "Invalid remote_state", "backend and config"}},
		{"remote_state null backend", "remote_state {\n  backend = null\n}\n", Options{}, []string{unitFile + ":1:1", "Invalid remote_state backend", "must not be null"}},
		{"generate without path", "generate \"p\" {\n  contents = \"x\"\n}\n", Options{}, []string{unitFile + ":1:1", "Missing generate path", `generate "p" needs path`}},
		{"generate without name", "generate {\n  path = \"x\"\n}\n", Options{}, []string{unitFile + ":1:1", "Missing generate name"}},
		{"duplicate generate", "generate \"p\" {\n  path = \"a\"\n  if_exists = \"skip\"\n  contents = \"\"\n}\ngenerate \"p\" {\n  path = \"b\"\n  if_exists = \"skip\"\n  contents = \"\"\n}\n", Options{}, []string{unitFile + ":6:1", "Duplicate generate block", `"p"`}},
		{"generate unknown argument", "generate \"p\" {\n  path = \"a\"\n  content = \"x\"\n  contents = \"x\"\n  if_exists = \"skip\"\n}\n", Options{}, []string{unitFile + ":3:3", `a generate block has no argument "content"`}},
		{"prevent_destroy not a bool", "prevent_destroy = \"sure\"\n", Options{}, []string{unitFile + ":1:19", "prevent_destroy must be true or false"}},
		{"skip not known", "skip = get_env(\"SKIP\") == \"1\"\n", Options{UnknownEnv: true}, []string{unitFile + ":1:8", "Value not known", "skip depends on a value"}},

		// functions
		{"unknown function", "locals {\n  x = frobnicate(1)\n}\n", Options{}, []string{unitFile + ":2:7", "Call to unknown function", `There is no function named "frobnicate"`}},
		{"run_cmd refused", "inputs = {\n  who = run_cmd(\"whoami\")\n}\n", Options{}, []string{unitFile + ":2:9", "run_cmd is disabled", "terragrunt.allow_run_cmd: true"}},
		{"aws function during plan", "inputs = {\n  id = get_aws_account_id()\n}\n", Options{Command: "plan"}, []string{unitFile + ":2:8", "get_aws_account_id would call AWS"}},
		{"unset environment variable", "inputs = {\n  x = get_env(\"TOKEN\")\n}\n", Options{}, []string{unitFile + ":2:7", "environment variable TOKEN is not set"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{unitFile: tc.unit}
			for k, v := range base {
				files[k] = v
			}
			_, err := evaluate(t, files, unitDir, tc.opts)
			wantError(t, err, tc.want...)
			wantPositioned(t, err)
			if strings.Contains(err.Error(), "..") && !strings.Contains(err.Error(), "../") {
				t.Errorf("error %q has a doubled period", err)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	at := func(line, col int) *hcl.Range {
		return &hcl.Range{Filename: "a.hcl", Start: hcl.Pos{Line: line, Column: col}}
	}
	err := diagError(hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "First", Detail: "what is wrong", Subject: at(1, 2)},
		{Severity: hcl.DiagWarning, Summary: "A warning", Subject: at(2, 1)},
		{Severity: hcl.DiagError, Summary: "Second", Subject: at(3, 4)},
		{Severity: hcl.DiagError, Summary: "Nowhere", Detail: "no position"},
	})
	want := "a.hcl:1:2: First: what is wrong\na.hcl:3:4: Second\nNowhere: no position"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestMissingUnit(t *testing.T) {
	_, err := evaluate(t, map[string]string{"root.hcl": ""}, "live/nope", Options{})
	wantError(t, err, "live/nope/terragrunt.hcl does not exist")
}

func TestAWSFunctionsAreUnknownDuringDetection(t *testing.T) {
	got, _, err := evalLocal(t, nil, `get_aws_account_id()`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.IsKnown() {
		t.Errorf("get_aws_account_id() = %s during detection, want unknown", asJSON(t, got))
	}
}
