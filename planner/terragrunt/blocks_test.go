package terragrunt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zclconf/go-cty/cty"
)

// mergeRoot is a root.hcl that sets something of every merged kind.
const mergeRoot = `
locals {
  root_only = "r"
}

terraform {
  source = "${get_repo_root()}//modules/base"

  extra_arguments "common" {
    commands  = ["plan"]
    arguments = ["-lock=false"]
  }
  before_hook "fmt" {
    commands = ["plan"]
    execute  = ["terraform", "fmt"]
  }
  include_in_copy = ["root.txt"]
}

remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket = "state"
    key    = "${path_relative_to_include()}/terraform.tfstate"
  }
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = "root provider"
}

generate "versions" {
  path      = "versions.tf"
  if_exists = "skip"
  contents  = "root versions"
}

dependencies {
  paths = ["../vpc"]
}

download_dir    = "/tmp/root"
prevent_destroy = true
skip            = false

inputs = {
  region = "us-east-1"
  tags   = { team = "platform", env = "root" }
  azs    = ["a"]
}
`

// mergeChild includes mergeRoot with a merge strategy.
const mergeChild = `
include "root" {
  path           = find_in_parent_folders("root.hcl")
  expose         = true
  merge_strategy = "%s"
}

terraform {
  extra_arguments "child" {
    commands  = ["apply"]
    arguments = ["-parallelism=1"]
  }
  include_in_copy = ["child.txt"]
}

generate "child_provider" {
  path      = "child_provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = "child provider"
}

dependencies {
  paths = ["../db"]
}

inputs = {
  tags = { env = "prod" }
  azs  = ["b"]
  name = include.root.locals.root_only
}
`

func mergeFiles(strategy string) map[string]string {
	return map[string]string{
		"root.hcl":                     mergeRoot,
		unitFile:                       fmt.Sprintf(mergeChild, strategy),
		"live/prod/vpc/terragrunt.hcl": "",
		"live/prod/db/terragrunt.hcl":  "",
	}
}

func generateNames(gens []Generate) []string {
	out := make([]string, len(gens))
	for i, g := range gens {
		out[i] = g.Name + "=" + g.Contents
	}
	return out
}

func TestIncludeMergeStrategies(t *testing.T) {
	tests := []struct {
		strategy       string
		inputs         string
		source         string
		remoteState    bool
		generate       []string
		extraArgs      []string
		depPaths       []string
		inclInCopy     []string
		downloadDir    string
		preventDestroy bool
	}{
		{
			strategy:   "no_merge",
			inputs:     `{tags = {env = "prod"}, azs = ["b"], name = "r"}`,
			generate:   []string{"child_provider=child provider"},
			extraArgs:  []string{"child"},
			depPaths:   []string{"live/prod/db"},
			inclInCopy: []string{"child.txt"},
		},
		{
			strategy:       "shallow",
			inputs:         `{region = "us-east-1", tags = {env = "prod"}, azs = ["b"], name = "r"}`,
			source:         "/repo//modules/base",
			remoteState:    true,
			generate:       []string{"child_provider=child provider", "provider=root provider", "versions=root versions"},
			extraArgs:      []string{"common", "child"},
			depPaths:       []string{"live/prod/vpc", "live/prod/db"},
			inclInCopy:     []string{"child.txt"},
			downloadDir:    "/tmp/root",
			preventDestroy: true,
		},
		{
			strategy:       "deep",
			inputs:         `{region = "us-east-1", tags = {team = "platform", env = "prod"}, azs = ["a", "b"], name = "r"}`,
			source:         "/repo//modules/base",
			remoteState:    true,
			generate:       []string{"child_provider=child provider", "provider=root provider", "versions=root versions"},
			extraArgs:      []string{"common", "child"},
			depPaths:       []string{"live/prod/vpc", "live/prod/db"},
			inclInCopy:     []string{"root.txt", "child.txt"},
			downloadDir:    "/tmp/root",
			preventDestroy: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.strategy, func(t *testing.T) {
			cfg := mustEvaluate(t, mergeFiles(tc.strategy), unitDir, Options{})
			wantValue(t, cfg.Inputs, tc.inputs)
			if want := []Include{{Name: "root", Path: "root.hcl", Expose: true, MergeStrategy: MergeStrategy(tc.strategy)}}; !slices.Equal(cfg.Includes, want) {
				t.Errorf("Includes = %+v, want %+v", cfg.Includes, want)
			}
			if cfg.Terraform.Source != tc.source {
				t.Errorf("Source = %q, want %q", cfg.Terraform.Source, tc.source)
			}
			if tc.source != "" && cfg.Terraform.Module != (ModuleSource{Kind: LocalSource, Dir: "modules/base", CopyRoot: "."}) {
				t.Errorf("Module = %+v", cfg.Terraform.Module)
			}
			if got := cfg.RemoteState != nil; got != tc.remoteState {
				t.Fatalf("RemoteState = %+v, want set: %v", cfg.RemoteState, tc.remoteState)
			}
			if tc.remoteState {
				rs := cfg.RemoteState
				if rs.Backend != "s3" || *rs.Generate != (GenerateTarget{Path: "backend.tf", IfExists: "overwrite_terragrunt"}) {
					t.Errorf("RemoteState = %+v", rs)
				}
				wantValue(t, rs.Config["key"], `"live/prod/app/terraform.tfstate"`)
			}
			if got := generateNames(cfg.Generate); !slices.Equal(got, tc.generate) {
				t.Errorf("Generate = %q, want %q", got, tc.generate)
			}
			var args []string
			for _, ea := range cfg.Terraform.ExtraArguments {
				args = append(args, ea.Name)
			}
			if !slices.Equal(args, tc.extraArgs) {
				t.Errorf("ExtraArguments = %q, want %q", args, tc.extraArgs)
			}
			if !slices.Equal(cfg.DependencyPaths, tc.depPaths) {
				t.Errorf("DependencyPaths = %q, want %q", cfg.DependencyPaths, tc.depPaths)
			}
			if !slices.Equal(cfg.Terraform.IncludeInCopy, tc.inclInCopy) {
				t.Errorf("IncludeInCopy = %q, want %q", cfg.Terraform.IncludeInCopy, tc.inclInCopy)
			}
			if cfg.DownloadDir != tc.downloadDir || cfg.PreventDestroy != tc.preventDestroy || cfg.Skip {
				t.Errorf("DownloadDir, PreventDestroy, Skip = %q, %v, %v", cfg.DownloadDir, cfg.PreventDestroy, cfg.Skip)
			}
			wantValue(t, cty.ObjectVal(cfg.Locals), `{}`)
		})
	}
}

func TestIncludeChildWinsOverSeveralIncludes(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"root.hcl": `
inputs = { a = "root", b = "root", c = "root" }
prevent_destroy = true
terraform { source = "../../../modules/root" }`,
		"live/prod/env.hcl": `
inputs = { b = "env", c = "env" }
prevent_destroy = false
terraform { source = "../../../modules/env" }`,
		unitFile: `
include "root" { path = find_in_parent_folders("root.hcl") }
include "env" { path = find_in_parent_folders("env.hcl") }
inputs = { c = "unit" }`,
	}, unitDir, Options{})
	wantValue(t, cfg.Inputs, `{a = "root", b = "env", c = "unit"}`)
	if cfg.PreventDestroy || cfg.Terraform.Module.Dir != "modules/env" {
		t.Errorf("the later include does not win: PreventDestroy %v, Module %+v", cfg.PreventDestroy, cfg.Terraform.Module)
	}
	wantReads := []string{unitFile + " (config)", "root.hcl (include)", "live/prod/env.hcl (include)"}
	if got := readPaths(cfg); !slices.Equal(got, wantReads) {
		t.Errorf("Reads = %q, want %q", got, wantReads)
	}
}

func TestIncludeExpose(t *testing.T) {
	files := map[string]string{
		"root.hcl":          `locals { name = "root" }` + "\ninputs = { from = \"root\" }",
		"live/prod/env.hcl": `locals { env = "prod" }`,
	}
	tests := []struct {
		name    string
		unit    string
		want    string
		wantErr []string
	}{
		{
			name: "named includes",
			unit: `
include "root" {
  path   = find_in_parent_folders("root.hcl")
  expose = true
}
include "env" {
  path           = find_in_parent_folders("env.hcl")
  expose         = true
  merge_strategy = "no_merge"
}
locals { v = "${include.root.locals.name}-${include.env.locals.env}-${include.root.inputs.from}" }`,
			want: `"root-prod-root"`,
		},
		{
			name: "bare include",
			unit: `
include {
  path   = find_in_parent_folders("root.hcl")
  expose = true
}
locals { v = include.locals.name }`,
			want: `"root"`,
		},
		{
			name: "not exposed",
			unit: `
include "root" {
  path = find_in_parent_folders("root.hcl")
}
locals {
  v = include.root.locals.name
}`,
			wantErr: []string{unitFile + ":6:", "Unsupported attribute", `"root"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			all := map[string]string{unitFile: tc.unit}
			for k, v := range files {
				all[k] = v
			}
			cfg, err := evaluate(t, all, unitDir, Options{})
			if tc.wantErr != nil {
				wantError(t, err, tc.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantValue(t, cfg.Locals["v"], tc.want)
		})
	}
}

func TestLocals(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{unitFile: `
locals {
  c = "${local.b}-c"
  b = "${local.a}-b"
  d = [for x in local.list : upper(x)]
  a = "a"
  list = ["x", local.a]
}
inputs = { c = local.c }`}, unitDir, Options{})
	wantValue(t, cty.ObjectVal(cfg.Locals), `{a = "a", b = "a-b", c = "a-b-c", d = ["X", "A"], list = ["x", "a"]}`)
	wantValue(t, cfg.Inputs, `{c = "a-b-c"}`)
}

func TestInputs(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{unitFile: `
inputs = {
  str  = "s"
  num  = 1.5
  list = [1, "two"]
  map  = { nested = { deep = true } }
  null = null
}`}, unitDir, Options{})
	wantValue(t, cfg.Inputs, `{str = "s", num = 1.5, list = [1, "two"], map = {nested = {deep = true}}, null = null}`)

	cfg = mustEvaluate(t, map[string]string{unitFile: ``}, unitDir, Options{})
	wantValue(t, cfg.Inputs, `{}`)
	if len(cfg.Includes) != 0 || cfg.Terraform.Module.Kind != NoSource || cfg.RemoteState != nil {
		t.Errorf("an empty unit has configuration: %+v", cfg)
	}
}

func TestTerraformSource(t *testing.T) {
	tests := []struct {
		source string
		want   ModuleSource
	}{
		{"../../../modules/vpc", ModuleSource{Kind: LocalSource, Dir: "modules/vpc", CopyRoot: "modules/vpc"}},
		{"./module", ModuleSource{Kind: LocalSource, Dir: "live/prod/app/module", CopyRoot: "live/prod/app/module"}},
		{"${get_repo_root()}/modules/vpc", ModuleSource{Kind: LocalSource, Dir: "modules/vpc", CopyRoot: "modules/vpc"}},
		{"${get_repo_root()}//modules/vpc", ModuleSource{Kind: LocalSource, Dir: "modules/vpc", CopyRoot: "."}},
		{"../../..//modules/vpc", ModuleSource{Kind: LocalSource, Dir: "modules/vpc", CopyRoot: "."}},
		{"${get_path_to_repo_root()}//modules/vpc", ModuleSource{Kind: LocalSource, Dir: "modules/vpc", CopyRoot: "."}},
		{"file:///repo/modules//vpc", ModuleSource{Kind: LocalSource, Dir: "modules/vpc", CopyRoot: "modules"}},
		{
			"git::https://github.com/org/repo.git//sub/dir?ref=v1",
			ModuleSource{Kind: GitSource, URL: "git::https://github.com/org/repo.git", Subdir: "sub/dir", Ref: "v1"},
		},
		{
			"git::file:///srv/modules.git//modules/vpc?ref=v2",
			ModuleSource{Kind: GitSource, URL: "git::file:///srv/modules.git", Subdir: "modules/vpc", Ref: "v2"},
		},
		{
			"git::git@github.com:org/repo.git//modules/vpc?ref=main",
			ModuleSource{Kind: GitSource, URL: "git::git@github.com:org/repo.git", Subdir: "modules/vpc", Ref: "main"},
		},
		{
			"git@github.com:org/repo.git//modules/vpc",
			ModuleSource{Kind: GitSource, URL: "git@github.com:org/repo.git", Subdir: "modules/vpc"},
		},
		{"github.com/org/repo//x?ref=", ModuleSource{Kind: GitSource, URL: "github.com/org/repo", Subdir: "x"}},
		{
			"tfr:///terraform-aws-modules/vpc/aws?version=5.0.0",
			ModuleSource{Kind: RegistrySource, URL: "tfr:///terraform-aws-modules/vpc/aws", Ref: "5.0.0"},
		},
		{
			"tfr://registry.example.com/org/vpc/aws//modules/x?version=1.0.0",
			ModuleSource{Kind: RegistrySource, URL: "tfr://registry.example.com/org/vpc/aws", Subdir: "modules/x", Ref: "1.0.0"},
		},
		{
			"s3::https://s3.amazonaws.com/bucket/vpc.zip",
			ModuleSource{Kind: RemoteSource, URL: "s3::https://s3.amazonaws.com/bucket/vpc.zip"},
		},
		{"https://example.com/vpc.zip//sub", ModuleSource{Kind: RemoteSource, URL: "https://example.com/vpc.zip", Subdir: "sub"}},
	}
	for _, tc := range tests {
		t.Run(tc.source, func(t *testing.T) {
			cfg := mustEvaluate(t, map[string]string{
				unitFile: fmt.Sprintf("terraform {\n  source = %q\n}\n", tc.source),
			}, unitDir, Options{})
			if cfg.Terraform.Module != tc.want {
				t.Errorf("Module = %+v\nwant     %+v", cfg.Terraform.Module, tc.want)
			}
		})
	}
}

func TestTerraformSourceInIncludeIsRelativeToTheUnit(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"live/root.hcl": `terraform { source = "../../../modules/${basename(get_terragrunt_dir())}" }`,
		unitFile:        `include "root" { path = find_in_parent_folders("root.hcl") }`,
	}, unitDir, Options{})
	if want := (ModuleSource{Kind: LocalSource, Dir: "modules/app", CopyRoot: "modules/app"}); cfg.Terraform.Module != want {
		t.Errorf("Module = %+v, want %+v", cfg.Terraform.Module, want)
	}
}

func TestTerraformBlock(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{unitFile: `
terraform {
  extra_arguments "vars" {
    commands           = get_terraform_commands_that_need_vars()
    arguments          = ["-var", "x=1"]
    required_var_files = ["common.tfvars"]
    optional_var_files = ["extra.tfvars"]
    env_vars           = { TF_LOG = "info" }
  }
  after_hook "notify" {
    commands = ["apply"]
    execute  = ["echo", "done"]
  }
  error_hook "oops" {
    commands = ["apply"]
    execute  = ["echo", "oops"]
  }
}`}, unitDir, Options{})
	tf := cfg.Terraform
	if len(tf.ExtraArguments) != 1 || len(tf.Hooks) != 2 {
		t.Fatalf("Terraform = %+v", tf)
	}
	ea := tf.ExtraArguments[0]
	if ea.Name != "vars" || len(ea.Commands) != 7 || !slices.Equal(ea.Arguments, []string{"-var", "x=1"}) ||
		!slices.Equal(ea.RequiredVarFiles, []string{"common.tfvars"}) || !slices.Equal(ea.OptionalVarFiles, []string{"extra.tfvars"}) ||
		ea.EnvVars["TF_LOG"] != "info" {
		t.Errorf("ExtraArguments = %+v", ea)
	}
	h := tf.Hooks[0]
	if h.Kind != "after_hook" || h.Name != "notify" || !slices.Equal(h.Execute, []string{"echo", "done"}) {
		t.Errorf("Hooks = %+v", tf.Hooks)
	}
	if tf.Module.Kind != NoSource || tf.Source != "" {
		t.Errorf("no source, got %+v", tf)
	}
}

// depFiles is a repository whose app unit depends on vpc with mocks for
// plan.
var depFiles = map[string]string{
	"live/prod/vpc/terragrunt.hcl": "",
	unitFile: `dependency "vpc" {
  config_path = "../vpc"
  mock_outputs = {
    vpc_id  = "vpc-mock"
    subnets = ["subnet-mock"]
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

inputs = {
  vpc_id  = dependency.vpc.outputs.vpc_id
  path    = dependency.vpc.config_path
}
`,
}

// outputsFrom returns a DependencyOutputs that serves outputs by unit
// directory and counts its calls.
func outputsFrom(outputs map[string]cty.Value, calls *int) func(context.Context, string) (cty.Value, bool, error) {
	return func(_ context.Context, dir string) (cty.Value, bool, error) {
		*calls++
		v, ok := outputs[dir]
		return v, ok, nil
	}
}

func TestDependency(t *testing.T) {
	real := map[string]cty.Value{"live/prod/vpc": val(t, `{vpc_id = "vpc-real", subnets = ["subnet-real"]}`)}
	tests := []struct {
		name      string
		opts      Options
		outputs   map[string]cty.Value
		edit      func(string) string
		wantVPC   string // "" for unknown
		wantErr   []string
		wantCalls int
		// wantMocked are the outputs Config.Mocked records for vpc.
		wantMocked []string
	}{
		{name: "detection: outputs unknown", wantVPC: ""},
		{name: "detection with outputs available", outputs: real, wantVPC: ""},
		{name: "plan with outputs", opts: Options{Command: "plan"}, outputs: real, wantVPC: "vpc-real", wantCalls: 1},
		{name: "plan without outputs uses mocks", opts: Options{Command: "plan"}, outputs: map[string]cty.Value{}, wantVPC: "vpc-mock", wantCalls: 1, wantMocked: []string{"subnets", "vpc_id"}},
		{name: "plan with no output reader uses mocks", opts: Options{Command: "plan"}, wantVPC: "vpc-mock", wantMocked: []string{"subnets", "vpc_id"}},
		{
			name: "plan with empty outputs uses mocks", opts: Options{Command: "plan"},
			outputs: map[string]cty.Value{"live/prod/vpc": cty.EmptyObjectVal}, wantVPC: "vpc-mock", wantCalls: 1, wantMocked: []string{"subnets", "vpc_id"},
		},
		{
			name: "apply without outputs: mocks not allowed", opts: Options{Command: "apply"}, outputs: map[string]cty.Value{},
			wantErr: []string{unitFile + ":1:1", "Dependency has no outputs", `dependency "vpc" (live/prod/vpc) has no outputs yet`, `allow them for "apply"`}, wantCalls: 1,
		},
		{name: "apply with outputs", opts: Options{Command: "apply"}, outputs: real, wantVPC: "vpc-real", wantCalls: 1},
		{
			name: "mocks allowed for any command", opts: Options{Command: "apply"}, outputs: map[string]cty.Value{},
			edit: func(s string) string {
				return replace(s, `mock_outputs_allowed_terraform_commands = ["validate", "plan"]`, "")
			}, wantVPC: "vpc-mock", wantCalls: 1, wantMocked: []string{"subnets", "vpc_id"},
		},
		{
			name: "skip_outputs uses mocks without reading", opts: Options{Command: "plan"}, outputs: real,
			edit: func(s string) string {
				return replace(s, `config_path = "../vpc"`, "config_path = \"../vpc\"\n  skip_outputs = true")
			}, wantVPC: "vpc-mock",
		},
		{
			name: "disabled dependency has its mocks, even in detection",
			edit: func(s string) string {
				return replace(s, `config_path = "../vpc"`, "config_path = \"../vpc\"\n  enabled = false")
			}, wantVPC: "vpc-mock",
		},
		{
			name: "disabled dependency may point nowhere",
			edit: func(s string) string {
				return replace(s, `config_path = "../vpc"`, "config_path = \"../nowhere\"\n  enabled = false")
			}, wantVPC: "vpc-mock",
		},
		{
			name: "shallow merge of mocks with partial state", opts: Options{Command: "plan"},
			outputs: map[string]cty.Value{"live/prod/vpc": val(t, `{subnets = ["subnet-real"]}`)},
			edit: func(s string) string {
				return replace(s, `config_path = "../vpc"`, "config_path = \"../vpc\"\n  mock_outputs_merge_strategy_with_state = \"shallow\"")
			},
			wantVPC: "vpc-mock", wantCalls: 1, wantMocked: []string{"vpc_id"},
		},
		{
			name: "mock_outputs_merge_with_state", opts: Options{Command: "plan"},
			outputs: map[string]cty.Value{"live/prod/vpc": val(t, `{subnets = ["subnet-real"]}`)},
			edit: func(s string) string {
				return replace(s, `config_path = "../vpc"`, "config_path = \"../vpc\"\n  mock_outputs_merge_with_state = true")
			},
			wantVPC: "vpc-mock", wantCalls: 1, wantMocked: []string{"vpc_id"},
		},
		{
			name: "state without merge strategy wins whole", opts: Options{Command: "plan"},
			outputs: map[string]cty.Value{"live/prod/vpc": val(t, `{subnets = ["subnet-real"]}`)},
			wantErr: []string{unitFile + ":11:", "Unsupported attribute", `"vpc_id"`}, wantCalls: 1,
		},
		{
			name: "outputs reader fails", opts: Options{Command: "plan", DependencyOutputs: func(context.Context, string) (cty.Value, bool, error) {
				return cty.NilVal, false, errors.New("state bucket unreachable")
			}},
			wantErr: []string{unitFile + ":1:1", "Cannot read dependency outputs", `dependency "vpc" (live/prod/vpc): state bucket unreachable`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range depFiles {
				files[k] = v
			}
			if tc.edit != nil {
				files[unitFile] = tc.edit(files[unitFile])
			}
			calls := 0
			opts := tc.opts
			if tc.outputs != nil {
				opts.DependencyOutputs = outputsFrom(tc.outputs, &calls)
			}
			cfg, err := evaluate(t, files, unitDir, opts)
			if calls != tc.wantCalls {
				t.Errorf("DependencyOutputs called %d times, want %d", calls, tc.wantCalls)
			}
			if tc.wantErr != nil {
				wantError(t, err, tc.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			vpc := get(t, cfg.Inputs, "vpc_id")
			switch {
			case tc.wantVPC == "" && vpc.IsKnown():
				t.Errorf("vpc_id = %s, want unknown", asJSON(t, vpc))
			case tc.wantVPC != "":
				wantValue(t, vpc, fmt.Sprintf("%q", tc.wantVPC))
			}
			wantValue(t, get(t, cfg.Inputs, "path"), `"/repo/`+cfg.Dependencies[0].ConfigPath+`"`)
			var want []MockedOutputs
			if tc.wantMocked != nil {
				want = []MockedOutputs{{Name: "vpc", ConfigPath: "live/prod/vpc", Outputs: tc.wantMocked}}
			}
			if !reflect.DeepEqual(cfg.Mocked, want) {
				t.Errorf("Mocked = %+v, want %+v", cfg.Mocked, want)
			}
		})
	}
}

// replace is strings.Replace of a test edit that must apply.
func replace(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("test edit does not apply: " + old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestDependencyFields(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"live/prod/vpc/terragrunt.hcl": "",
		"live/prod/db/terragrunt.hcl":  "",
		unitFile: `
dependency "vpc" {
  config_path  = "../vpc"
  mock_outputs = { id = "x" }
  mock_outputs_allowed_terraform_commands = ["plan"]
  mock_outputs_merge_strategy_with_state  = "deep_map_only"
}
dependency "db" {
  config_path  = "${get_repo_root()}/live/prod/db"
  skip_outputs = true
  enabled      = false
}`,
	}, unitDir, Options{})
	if len(cfg.Dependencies) != 2 {
		t.Fatalf("Dependencies = %+v", cfg.Dependencies)
	}
	db, vpc := cfg.Dependencies[0], cfg.Dependencies[1] // sorted by name
	if db.Name != "db" || db.ConfigPath != "live/prod/db" || db.Enabled || !db.SkipOutputs || db.MockOutputs != cty.NilVal {
		t.Errorf("db = %+v", db)
	}
	if vpc.Name != "vpc" || vpc.ConfigPath != "live/prod/vpc" || !vpc.Enabled || vpc.SkipOutputs ||
		!slices.Equal(vpc.MockOutputsAllowedTerraformCommands, []string{"plan"}) || vpc.MockOutputsMergeStrategyWithState != "deep_map_only" {
		t.Errorf("vpc = %+v", vpc)
	}
	wantValue(t, vpc.MockOutputs, `{id = "x"}`)
	if vpc.Range.Filename != unitFile || vpc.Range.Start.Line != 2 {
		t.Errorf("vpc.Range = %v", vpc.Range)
	}
}

func TestDependencyDeepMergeMockOutputs(t *testing.T) {
	files := map[string]string{
		"live/prod/vpc/terragrunt.hcl":  "",
		"live/prod/vpc2/terragrunt.hcl": "",
		"live/_envcommon/app.hcl": `
dependency "vpc" {
  config_path = "../vpc"
  mock_outputs = {
    vpc_id  = "vpc-common"
    subnets = ["subnet-common"]
    tags    = { from = "common" }
  }
  mock_outputs_allowed_terraform_commands = ["plan"]
}
inputs = {
  subnets = dependency.vpc.outputs.subnets
}`,
		unitFile: `
include "common" {
  path           = find_in_parent_folders("_envcommon/app.hcl")
  merge_strategy = "%s"
}
dependency "vpc" {
  config_path  = "../vpc2"
  mock_outputs = {
    subnets = ["subnet-unit"]
    tags    = { unit = true }
  }
}
inputs = {
  tags = dependency.vpc.outputs.tags
}`,
	}
	tests := []struct {
		strategy, inputs, cmds string
	}{
		{"deep", `{subnets = ["subnet-common", "subnet-unit"], tags = {from = "common", unit = true}}`, "plan"},
		{"shallow", `{subnets = ["subnet-unit"], tags = {unit = true}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.strategy, func(t *testing.T) {
			all := map[string]string{}
			for k, v := range files {
				all[k] = v
			}
			all[unitFile] = fmt.Sprintf(files[unitFile], tc.strategy)
			cfg := mustEvaluate(t, all, unitDir, Options{Command: "plan"})
			wantValue(t, cfg.Inputs, tc.inputs)
			if len(cfg.Dependencies) != 1 {
				t.Fatalf("Dependencies = %+v", cfg.Dependencies)
			}
			d := cfg.Dependencies[0]
			if d.ConfigPath != "live/prod/vpc2" || !slices.Equal(d.MockOutputsAllowedTerraformCommands, strings.Fields(tc.cmds)) {
				t.Errorf("merged dependency = %+v", d)
			}
		})
	}
}

func TestIncludedFileSeesTheUnitsDependencies(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"root.hcl":                     `inputs = { vpc_id = dependency.vpc.outputs.vpc_id }`,
		"live/prod/vpc/terragrunt.hcl": "",
		unitFile: `
include "root" { path = find_in_parent_folders("root.hcl") }
dependency "vpc" {
  config_path  = "../vpc"
  mock_outputs = { vpc_id = "vpc-mock" }
}`,
	}, unitDir, Options{Command: "plan"})
	wantValue(t, cfg.Inputs, `{vpc_id = "vpc-mock"}`)
}

func TestDependenciesBlock(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"live/prod/vpc/terragrunt.hcl": "",
		"live/prod/db/terragrunt.hcl":  "",
		unitFile:                       `dependencies { paths = ["../vpc", "${get_repo_root()}/live/prod/db"] }`,
	}, unitDir, Options{})
	if want := []string{"live/prod/vpc", "live/prod/db"}; !slices.Equal(cfg.DependencyPaths, want) {
		t.Errorf("DependencyPaths = %q, want %q", cfg.DependencyPaths, want)
	}
	if len(cfg.Dependencies) != 0 {
		t.Errorf("Dependencies = %+v", cfg.Dependencies)
	}
}

func TestRemoteState(t *testing.T) {
	tests := []struct {
		name    string
		unit    string
		opts    Options
		backend string
		gen     *GenerateTarget
		config  string
	}{
		{
			name: "block",
			unit: `
remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite"
  }
  config = {
    bucket  = "b"
    key     = "${get_path_from_repo_root()}/tf.tfstate"
    encrypt = true
  }
  disable_init = true
}`,
			backend: "s3", gen: &GenerateTarget{Path: "backend.tf", IfExists: "overwrite"},
			config: `{bucket = "b", key = "live/prod/app/tf.tfstate", encrypt = true}`,
		},
		{
			name:    "attribute",
			unit:    `remote_state = { backend = "gcs", config = { bucket = "g" } }`,
			backend: "gcs", config: `{bucket = "g"}`,
		},
		{
			name:    "backend not known yet",
			unit:    `remote_state { backend = get_env("BACKEND") }`,
			opts:    Options{UnknownEnv: true},
			backend: "", config: `{}`,
		},
		{
			name: "generate path not known yet",
			unit: `remote_state {
  backend  = "local"
  generate = { path = get_env("F"), if_exists = "skip" }
}`,
			opts:    Options{UnknownEnv: true},
			backend: "local", gen: &GenerateTarget{IfExists: "skip"}, config: `{}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustEvaluate(t, map[string]string{unitFile: tc.unit}, unitDir, tc.opts)
			rs := cfg.RemoteState
			if rs == nil || rs.Backend != tc.backend {
				t.Fatalf("RemoteState = %+v, want backend %q", rs, tc.backend)
			}
			if (rs.Generate == nil) != (tc.gen == nil) || rs.Generate != nil && *rs.Generate != *tc.gen {
				t.Errorf("Generate = %+v, want %+v", rs.Generate, tc.gen)
			}
			wantValue(t, cty.ObjectVal(rs.Config), tc.config)
		})
	}
}

func TestGenerate(t *testing.T) {
	root := `
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = "provider \"aws\" {}"
}
generate "backend" {
  path              = "backend.tf"
  if_exists         = "skip"
  contents          = "# backend"
  comment_prefix    = "// "
  disable_signature = true
}
generate "extra" {
  path      = "extra.tf"
  if_exists = "overwrite"
  contents  = "extra"
}`
	cfg := mustEvaluate(t, map[string]string{
		"root.hcl":                    root,
		"live/prod/db/terragrunt.hcl": "",
		unitFile: `
include "root" {
  path           = find_in_parent_folders("root.hcl")
  merge_strategy = "deep"
}
dependency "db" { config_path = "../db" }
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = "# unit, ${dependency.db.outputs.endpoint}"
}
generate "extra" {
  path        = "extra.tf"
  if_exists   = "overwrite"
  contents    = ""
  disable     = true
  if_disabled = "remove"
}`,
	}, unitDir, Options{})
	want := []Generate{
		{Name: "backend", Path: "backend.tf", IfExists: "skip", Contents: "# backend", CommentPrefix: "// ", DisableSignature: true, IfDisabled: "skip"},
		{Name: "extra", Path: "extra.tf", IfExists: "overwrite", CommentPrefix: "# ", Disable: true, IfDisabled: "remove"},
		{Name: "provider", Path: "provider.tf", IfExists: "overwrite_terragrunt", CommentPrefix: "# ", IfDisabled: "skip"},
	}
	if !slices.Equal(cfg.Generate, want) {
		t.Errorf("Generate = %+v\nwant       %+v", cfg.Generate, want)
	}
}

// TestGenerateForms checks the block and attribute forms of generate and
// the checks Terragrunt 0.63.6 makes on them.
func TestGenerateForms(t *testing.T) {
	tests := []struct {
		name    string
		unit    string
		opts    Options
		want    []Generate
		wantErr []string
	}{
		{
			name: "attribute form with defaults",
			unit: `generate = {
  b = { path = "b.tf", if_exists = "skip", contents = "B", comment_prefix = "// ", disable_signature = true, disable = true, if_disabled = "remove_terragrunt", ignored = 1 }
  a = { path = "a.tf", if_exists = "overwrite", contents = local.c }
}
locals { c = "A" }`,
			want: []Generate{
				{Name: "a", Path: "a.tf", IfExists: "overwrite", Contents: "A", CommentPrefix: "# ", IfDisabled: "skip"},
				{Name: "b", Path: "b.tf", IfExists: "skip", Contents: "B", CommentPrefix: "// ", DisableSignature: true, Disable: true, IfDisabled: "remove_terragrunt"},
			},
		},
		{
			name: "attribute form next to a block",
			unit: `generate = { a = { path = "a.tf", if_exists = "skip" } }
generate "b" {
  path      = "b.tf"
  if_exists = "error"
  contents  = "B"
}`,
			want: []Generate{
				{Name: "a", Path: "a.tf", IfExists: "skip", CommentPrefix: "# ", IfDisabled: "skip"},
				{Name: "b", Path: "b.tf", IfExists: "error", Contents: "B", CommentPrefix: "# ", IfDisabled: "skip"},
			},
		},
		{
			name: "attribute not known during detection",
			unit: `generate = { a = { path = "a.tf", if_exists = get_env("MODE") } }`,
			opts: Options{UnknownEnv: true},
			want: []Generate{{Name: "a", Path: "a.tf", CommentPrefix: "# ", IfDisabled: "skip"}},
		},
		{
			name:    "block without if_exists",
			unit:    "generate \"a\" {\n  path     = \"a.tf\"\n  contents = \"\"\n}\n",
			wantErr: []string{unitFile + ":1:1", "Missing generate if_exists", `generate "a" needs if_exists`},
		},
		{
			name:    "disabled block still needs contents",
			unit:    "generate \"a\" {\n  path      = \"a.tf\"\n  if_exists = \"skip\"\n  disable   = true\n}\n",
			wantErr: []string{unitFile + ":1:1", "Missing generate contents", "even when disable = true"},
		},
		{
			name:    "bad if_exists",
			unit:    "generate \"a\" {\n  path      = \"a.tf\"\n  if_exists = \"sometimes\"\n  contents  = \"\"\n}\n",
			wantErr: []string{unitFile + ":3:15", `"sometimes" is not a valid if_exists`, "overwrite_terragrunt"},
		},
		{
			name:    "bad if_disabled",
			unit:    "generate \"a\" {\n  path        = \"a.tf\"\n  if_exists   = \"skip\"\n  contents    = \"\"\n  if_disabled = \"delete\"\n}\n",
			wantErr: []string{unitFile + ":5:17", `"delete" is not a valid if_disabled`, "remove_terragrunt"},
		},
		{
			name:    "hcl_fmt is newer than 0.63.6",
			unit:    "generate \"a\" {\n  path      = \"a.tf\"\n  if_exists = \"skip\"\n  contents  = \"\"\n  hcl_fmt   = true\n}\n",
			wantErr: []string{unitFile + ":5:3", `a generate block has no argument "hcl_fmt"`},
		},
		{
			name:    "attribute without if_exists",
			unit:    `generate = { a = { path = "a.tf", contents = "A" } }`,
			wantErr: []string{unitFile + ":1:12", `"" is not a valid if_exists`},
		},
		{
			name:    "attribute values are not converted",
			unit:    `generate = { a = { path = "a.tf", if_exists = "skip", contents = 5 } }`,
			wantErr: []string{unitFile + ":1:12", "generate.a.contents must be a string"},
		},
		{
			name:    "attribute that is not a map",
			unit:    `generate = ["a"]`,
			wantErr: []string{unitFile + ":1:12", "Invalid generate", "map from names"},
		},
		{
			name: "same name as block and attribute",
			unit: `generate = { a = { path = "a.tf", if_exists = "skip" } }
generate "a" {
  path      = "b.tf"
  if_exists = "skip"
  contents  = ""
}`,
			wantErr: []string{unitFile + ":", "Duplicate generate block", `"a"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := evaluate(t, map[string]string{unitFile: tc.unit}, unitDir, tc.opts)
			if tc.wantErr != nil {
				wantError(t, err, tc.wantErr...)
				wantPositioned(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.Generate, tc.want) {
				t.Errorf("Generate = %+v\nwant       %+v", cfg.Generate, tc.want)
			}
		})
	}
}

// TestGenerateAcrossIncludes: a deep merge lets a block, disabled or not,
// replace the included one of the same name; Terragrunt 0.63.6 rejects the
// same under a shallow merge.
func TestGenerateAcrossIncludes(t *testing.T) {
	root := `generate = { provider = { path = "provider.tf", if_exists = "overwrite", contents = "root" } }`
	unit := `
include "root" {
  path           = find_in_parent_folders("root.hcl")
  merge_strategy = "%s"
}
generate "provider" {
  path        = "provider.tf"
  if_exists   = "overwrite"
  contents    = ""
  disable     = true
  if_disabled = "remove"
}`
	cfg := mustEvaluate(t, map[string]string{"root.hcl": root, unitFile: fmt.Sprintf(unit, "deep")}, unitDir, Options{})
	want := []Generate{{Name: "provider", Path: "provider.tf", IfExists: "overwrite", CommentPrefix: "# ", Disable: true, IfDisabled: "remove"}}
	if !slices.Equal(cfg.Generate, want) {
		t.Errorf("Generate = %+v\nwant       %+v", cfg.Generate, want)
	}
	_, err := evaluate(t, map[string]string{"root.hcl": root, unitFile: fmt.Sprintf(unit, "shallow")}, unitDir, Options{})
	wantError(t, err, unitFile+":2:1", "Duplicate generate block", `root.hcl, included with merge_strategy "shallow"`, `generate "provider"`, `merge_strategy = "deep"`)
}

func TestTopLevelAttributes(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{unitFile: `
download_dir    = "${get_terragrunt_dir()}/.cache"
prevent_destroy = true
skip            = "true"
iam_role        = "arn:aws:iam::123:role/x"
terraform_version_constraint = ">= 1.5"
`}, unitDir, Options{})
	if cfg.DownloadDir != "/repo/live/prod/app/.cache" || !cfg.PreventDestroy || !cfg.Skip {
		t.Errorf("DownloadDir, PreventDestroy, Skip = %q, %v, %v", cfg.DownloadDir, cfg.PreventDestroy, cfg.Skip)
	}
}

func TestIAMRole(t *testing.T) {
	root := `iam_role = "arn:aws:iam::${get_env("ACCOUNT")}:role/terragrunt"`
	include := `include "root" { path = find_in_parent_folders("root.hcl") }` + "\n"
	for _, tc := range []struct {
		name string
		unit string
		opts Options
		want cty.Value
	}{
		{"unset", `inputs = {}`, Options{}, cty.NilVal},
		{"the unit's", `iam_role = "arn:aws:iam::123456789012:role/x"`, Options{}, cty.StringVal("arn:aws:iam::123456789012:role/x")},
		{"included", include, Options{Env: map[string]string{"ACCOUNT": "210987654321"}}, cty.StringVal("arn:aws:iam::210987654321:role/terragrunt")},
		{"the unit's over the included", include + `iam_role = "arn:aws:iam::123456789012:role/x"`, Options{UnknownEnv: true}, cty.StringVal("arn:aws:iam::123456789012:role/x")},
		{"unknown", include, Options{UnknownEnv: true}, cty.UnknownVal(cty.String)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustEvaluate(t, map[string]string{"root.hcl": root, unitFile: tc.unit}, unitDir, tc.opts)
			switch {
			case tc.want == cty.NilVal:
				if cfg.IAMRole != cty.NilVal {
					t.Errorf("IAMRole = %#v, want none", cfg.IAMRole)
				}
			case !tc.want.IsKnown():
				if cfg.IAMRole == cty.NilVal || cfg.IAMRole.IsKnown() {
					t.Errorf("IAMRole = %#v, want unknown", cfg.IAMRole)
				}
			case cfg.IAMRole == cty.NilVal || !cfg.IAMRole.RawEquals(tc.want):
				t.Errorf("IAMRole = %#v, want %#v", cfg.IAMRole, tc.want)
			}
		})
	}
}

func TestReadsAndProbes(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"root.hcl": `
locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}`,
		"live/account.hcl":       `locals { id = "1" }`,
		unitDir + "/policy.json": `{}`,
		unitDir + "/t.tftpl":     `x`,
		unitFile: `
include "root" { path = find_in_parent_folders("root.hcl") }
inputs = {
  policy = file("policy.json")
  t      = templatefile("t.tftpl", {})
  again  = file("policy.json")
  maybe  = fileexists("maybe.txt")
}`,
	}, unitDir, Options{})
	wantReads := []string{
		unitFile + " (config)",
		"root.hcl (include)",
		"live/account.hcl (read_terragrunt_config)",
		unitDir + "/policy.json (file)",
		unitDir + "/t.tftpl (templatefile)",
	}
	got := readPaths(cfg)
	// inputs are evaluated in an unspecified order; the includes first.
	if !slices.Equal(got[:3], wantReads[:3]) || len(got) != len(wantReads) {
		t.Errorf("Reads = %q, want %q", got, wantReads)
	}
	for _, w := range wantReads[3:] {
		if !slices.Contains(got, w) {
			t.Errorf("Reads %q lack %s", got, w)
		}
	}
	for _, p := range []string{"live/prod/root.hcl", "live/root.hcl", "root.hcl", "live/prod/account.hcl", "live/account.hcl", unitDir + "/maybe.txt"} {
		if !slices.Contains(cfg.Probes, p) {
			t.Errorf("Probes %q lack %s", cfg.Probes, p)
		}
	}
	for _, r := range cfg.Reads {
		if !slices.Contains(cfg.Probes, r.Path) {
			t.Errorf("read %s is not among the Probes", r.Path)
		}
	}
}

func TestEvaluatorIsSafeForConcurrentUse(t *testing.T) {
	files := map[string]string{
		"root.hcl":         `locals { a = read_terragrunt_config(find_in_parent_folders("account.hcl")) }`,
		"live/account.hcl": `locals { x = read_terragrunt_config("region.hcl").locals.y }`,
		"live/region.hcl":  `locals { y = "r" }`,
		// Two files reading each other, from both ends at once: an error,
		// never a deadlock.
		"cycle/a.hcl": `locals { b = read_terragrunt_config("b.hcl") }`,
		"cycle/b.hcl": `locals { a = read_terragrunt_config("a.hcl") }`,
	}
	var dirs []string
	for i := range 16 {
		dir := fmt.Sprintf("live/u%d", i)
		dirs = append(dirs, dir)
		target := []string{"a", "b"}[i%2]
		files[dir+"/terragrunt.hcl"] = `include "root" { path = find_in_parent_folders("root.hcl") }` + "\n" +
			`locals { c = try(read_terragrunt_config("/repo/cycle/` + target + `.hcl"), "cycle") }`
	}
	ev := newEvaluator(t, files, Options{})
	errs := make(chan error, len(dirs))
	for _, dir := range dirs {
		go func() {
			cfg, err := ev.EvaluateUnit(context.Background(), dir)
			if err == nil && cfg.Locals["c"].AsString() != "cycle" {
				err = fmt.Errorf("%s: cycle not detected", dir)
			}
			errs <- err
		}()
	}
	for range dirs {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestEvaluateUnitHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ev := newEvaluator(t, map[string]string{unitFile: ""}, Options{})
	if _, err := ev.EvaluateUnit(ctx, unitDir); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestParseCache(t *testing.T) {
	cache := NewParseCache()
	fsys := hashedFS{mapFS(map[string]string{"root.hcl": `inputs = { a = 1 }`, unitFile: `include { path = find_in_parent_folders("root.hcl") }`})}
	for range 2 {
		ev, err := New(Options{Root: testRoot, FS: fsys, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := ev.EvaluateUnit(context.Background(), unitDir)
		if err != nil {
			t.Fatal(err)
		}
		wantValue(t, cfg.Inputs, `{a = 1}`)
	}
	// The shared root.hcl is cached; the unit's own file is not, since no
	// other unit reads it.
	if cache.Len() != 1 {
		t.Errorf("cache holds %d files, want 1", cache.Len())
	}
}

func TestNewValidatesOptions(t *testing.T) {
	if _, err := New(Options{Root: testRoot}); err == nil {
		t.Error("New without FS succeeded")
	}
	if _, err := New(Options{Root: "repo", FS: mapFS(nil)}); err == nil {
		t.Error("New with a relative Root succeeded")
	}
	ev, err := New(Options{Root: "/", FS: mapFS(map[string]string{"terragrunt.hcl": `locals { v = get_terragrunt_dir() }`})})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ev.EvaluateUnit(context.Background(), ".")
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, cfg.Locals["v"], `"/"`)
}

// hashedFS is a file system that knows its files' content hashes, like a
// git revision.
type hashedFS struct{ fstest.MapFS }

func (h hashedFS) BlobHash(name string) (string, bool) {
	b, err := fs.ReadFile(h.MapFS, name)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), true
}

func TestFeatureFlags(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"root.hcl": `
feature "region" {
  default = "us-east-1"
}
feature "ref" {
  default = "v0"
}`,
		unitFile: `
include "root" { path = find_in_parent_folders("root.hcl") }
feature "ref" {
  default = "v1.${1 + 1}"
}
locals {
  ref = feature.ref.value
}
terraform {
  source = "git::https://example.com/m.git?ref=${local.ref}"
}
inputs = { region = feature.region.value }`,
	}, unitDir, Options{})
	if cfg.Terraform.Module.Ref != "v1.2" {
		t.Errorf("Ref = %q, want the unit's flag default v1.2", cfg.Terraform.Module.Ref)
	}
	wantValue(t, cfg.Inputs, `{region = "us-east-1"}`)

	_, err := evaluate(t, map[string]string{unitFile: "feature \"x\" {\n}\n"}, unitDir, Options{})
	wantError(t, err, unitFile+":1:1", `feature "x" needs a default value`)
}

func TestDependencyMocksMergedDeepMapOnly(t *testing.T) {
	calls := 0
	cfg := mustEvaluate(t, map[string]string{
		"live/prod/vpc/terragrunt.hcl": "",
		unitFile: `
dependency "vpc" {
  config_path  = "../vpc"
  mock_outputs = {
    ids  = ["mock"]
    tags = { a = "mock", b = "mock" }
  }
  mock_outputs_merge_strategy_with_state = "deep_map_only"
}
inputs = { out = dependency.vpc.outputs }`,
	}, unitDir, Options{Command: "plan", DependencyOutputs: outputsFrom(map[string]cty.Value{
		"live/prod/vpc": val(t, `{ids = ["real"], tags = {b = "real"}}`),
	}, &calls)})
	// Maps merge, the state winning; lists are not concatenated.
	wantValue(t, get(t, cfg.Inputs, "out"), `{ids = ["real"], tags = {a = "mock", b = "real"}}`)
}

// TestDependencyForEach: Terragrunt 0.63.6 has no for_each in dependency
// blocks; the unit fails with the place of the argument, never with an
// error about each.key somewhere else.
func TestDependencyForEach(t *testing.T) {
	_, err := evaluate(t, map[string]string{
		"live/prod/a/terragrunt.hcl": "",
		unitFile: `dependency "x" {
  mock_outputs = { v = each.key }
  for_each     = toset(["a"])
  config_path  = "../${each.key}"
}`,
	}, unitDir, Options{})
	wantError(t, err, unitFile+":3:3", "Unsupported argument", `dependency "x" has for_each`, "Terragrunt 0.63.6 does not support", "one dependency block per unit")
	wantPositioned(t, err)
}
