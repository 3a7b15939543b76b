package terragrunt

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The files and expected values of these tests were checked against
// Terragrunt v0.63.6: the expected JSON is what its render-json printed
// for inputs = { x = local.x } (read_terragrunt_config) and
// inputs = { r = include.root } (an exposed include).

const fullConfigFile = `locals { o = "other" }
terraform {
  source = "../mod"
  extra_arguments "common" {
    commands = ["plan"]
    arguments = ["-lock=false"]
  }
  before_hook "bh" {
    commands = ["plan"]
    execute = ["echo", "hi"]
  }
  after_hook "ah" {
    commands = ["plan"]
    execute = ["echo", "hi"]
  }
  error_hook "eh" {
    commands = ["plan"]
    execute = ["echo", "hi"]
    on_errors = [".*"]
  }
  include_in_copy = ["a"]
}
dependency "d" {
  config_path = "../dep"
  mock_outputs = { a = 1 }
  skip_outputs = true
}
dependencies { paths = ["../dep"] }
remote_state {
  backend = "local"
  disable_init = true
  config = { path = "x" }
}
generate "g" {
  path = "g.tf"
  if_exists = "skip"
  contents = "c"
  disable = true
  if_disabled = "remove"
}
prevent_destroy = true
skip = true
iam_role = "arn:r"
iam_assume_role_duration = 100
iam_assume_role_session_name = "s"
iam_web_identity_token = "t"
terraform_binary = "tofu"
terraform_version_constraint = ">= 1"
terragrunt_version_constraint = ">= 0.1"
retryable_errors = ["a"]
retry_max_attempts = 3
retry_sleep_interval_sec = 5
download_dir = "/tmp/dd"
inputs = { i = 1 }
`

const fullConfigShape = `{
 "dependencies": {
  "paths": [
   "../dep"
  ]
 },
 "dependency": {
  "d": {
   "config_path": "../dep",
   "enabled": null,
   "inputs": null,
   "mock_outputs": {
    "a": 1
   },
   "mock_outputs_allowed_terraform_commands": null,
   "mock_outputs_merge_strategy_with_state": null,
   "mock_outputs_merge_with_state": null,
   "name": "d",
   "outputs": {
    "a": 1
   },
   "skip": true
  }
 },
 "download_dir": "/tmp/dd",
 "generate": {
  "g": {
   "comment_prefix": "# ",
   "contents": "c",
   "disable": true,
   "disable_signature": false,
   "if_disabled": "remove",
   "if_exists": "skip",
   "path": "g.tf"
  }
 },
 "iam_assume_role_duration": 100,
 "iam_assume_role_session_name": "s",
 "iam_role": "arn:r",
 "iam_web_identity_token": "t",
 "inputs": {
  "i": 1
 },
 "locals": {
  "o": "other"
 },
 "prevent_destroy": true,
 "remote_state": {
  "backend": "local",
  "config": {
   "path": "x"
  },
  "disable_dependency_optimization": false,
  "disable_init": true,
  "generate": null
 },
 "retry_max_attempts": 3,
 "retry_sleep_interval_sec": 5,
 "retryable_errors": [
  "a"
 ],
 "skip": true,
 "terraform": {
  "after_hook": {
   "ah": {
    "commands": [
     "plan"
    ],
    "execute": [
     "echo",
     "hi"
    ],
    "name": "ah",
    "run_on_error": null,
    "suppress_stdout": null,
    "working_dir": null
   }
  },
  "before_hook": {
   "bh": {
    "commands": [
     "plan"
    ],
    "execute": [
     "echo",
     "hi"
    ],
    "name": "bh",
    "run_on_error": null,
    "suppress_stdout": null,
    "working_dir": null
   }
  },
  "error_hook": {
   "eh": {
    "commands": [
     "plan"
    ],
    "execute": [
     "echo",
     "hi"
    ],
    "name": "eh",
    "on_errors": [
     ".*"
    ],
    "suppress_stdout": null,
    "working_dir": null
   }
  },
  "extra_arguments": {
   "common": {
    "arguments": [
     "-lock=false"
    ],
    "commands": [
     "plan"
    ],
    "env_vars": null,
    "name": "common",
    "optional_var_files": null,
    "required_var_files": null
   }
  },
  "include_in_copy": [
   "a"
  ],
  "source": "../mod"
 },
 "terraform_binary": "tofu",
 "terraform_version_constraint": ">= 1",
 "terragrunt_version_constraint": ">= 0.1"
}`

const exposedRootFile = `locals { r = "root" }
remote_state {
  backend  = "s3"
  config   = { bucket = "b", key = "k" }
  generate = { path = "backend.tf", if_exists = "overwrite" }
}
generate "prov" {
  path      = "prov.tf"
  if_exists = "overwrite"
  contents  = "x"
}
inputs = { a = 1 }
`

const exposedRootShape = `{"dependencies": null, "download_dir": "", "generate": {"prov": {"comment_prefix": "# ", "contents": "x", "disable": false, "disable_signature": false, "if_disabled": "skip", "if_exists": "overwrite", "path": "prov.tf"}}, "iam_assume_role_duration": null, "iam_assume_role_session_name": "", "iam_role": "", "iam_web_identity_token": "", "inputs": {"a": 1}, "locals": {"r": "root"}, "remote_state": {"backend": "s3", "config": {"bucket": "b", "key": "k"}, "disable_dependency_optimization": false, "disable_init": false, "generate": {"if_exists": "overwrite", "path": "backend.tf"}}, "retry_max_attempts": null, "retry_sleep_interval_sec": null, "retryable_errors": null, "skip": false, "terraform_binary": "", "terraform_version_constraint": "", "terragrunt_version_constraint": ""}`

const emptyConfigShape = `{"dependencies": null, "download_dir": "", "generate": {}, "iam_assume_role_duration": null,
"iam_assume_role_session_name": "", "iam_role": "", "iam_web_identity_token": "", "inputs": null, "locals": null,
"retry_max_attempts": null, "retry_sleep_interval_sec": null, "retryable_errors": null, "skip": false,
"terraform_binary": "", "terraform_version_constraint": "", "terragrunt_version_constraint": ""}`

func TestConfigShapeMatchesTerragrunt(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		unit  string
		want  string
	}{
		{
			name:  "every attribute",
			files: map[string]string{unitDir + "/other.hcl": fullConfigFile, "live/prod/dep/terragrunt.hcl": ""},
			unit:  `locals { v = read_terragrunt_config("other.hcl") }`,
			want:  fullConfigShape,
		},
		{
			name:  "defaults of an empty file",
			files: map[string]string{unitDir + "/empty.hcl": "locals {}\n"},
			unit:  `locals { v = read_terragrunt_config("empty.hcl") }`,
			want:  emptyConfigShape,
		},
		{
			name:  "exposed include",
			files: map[string]string{"root.hcl": exposedRootFile},
			unit: `include "root" {
  path   = find_in_parent_folders("root.hcl")
  expose = true
}
locals { v = include.root }`,
			want: exposedRootShape,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.files[unitFile] = tc.unit
			cfg := mustEvaluate(t, tc.files, unitDir, Options{Command: "plan"})
			var got, want any
			if err := json.Unmarshal([]byte(asJSON(t, cfg.Locals["v"])), &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				t.Errorf("got %s\nwant %s", g, tc.want)
			}
		})
	}
}

// TestExposedDependenciesHaveNoOutputs: Terragrunt shows an exposed
// include's dependency blocks with null outputs, and those of a file read
// with read_terragrunt_config with their outputs resolved.
func TestExposedDependenciesHaveNoOutputs(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"live/prod/dep/terragrunt.hcl": "",
		"root.hcl": `dependency "d" {
  config_path  = "${get_repo_root()}/live/prod/dep"
  mock_outputs = { a = 1 }
}`,
		unitFile: `include "root" {
  path   = find_in_parent_folders("root.hcl")
  expose = true
}
locals {
  exposed = include.root.dependency.d
  read    = read_terragrunt_config("${get_repo_root()}/root.hcl").dependency.d
}`,
	}, unitDir, Options{Command: "plan"})
	if out := get(t, cfg.Locals["exposed"], "outputs"); !out.IsNull() {
		t.Errorf("exposed include's outputs = %s, want null", asJSON(t, out))
	}
	wantValue(t, get(t, cfg.Locals["read"], "outputs"), `{a = 1}`)
	wantValue(t, get(t, cfg.Locals["exposed"], "config_path"), `"/repo/live/prod/dep"`)
}

// TestEngineShape: as Terragrunt 0.63.6 shows an engine block, a set meta
// reads as an empty object.
func TestEngineShape(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		unitDir + "/o.hcl": "engine {\n  source  = \"x\"\n  meta    = { a = 1 }\n  version = \"v1\"\n}\n",
		unitFile:           `locals { v = read_terragrunt_config("o.hcl").engine }`,
	}, unitDir, Options{})
	wantValue(t, cfg.Locals["v"], `{meta = {}, source = "x", type = "", version = "v1"}`)
}
