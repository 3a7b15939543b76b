package terragrunt

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// fuzzRepo is the repository around the fuzzed unit: a root.hcl to
// include, an account.hcl to read, a dependency and some data files.
var fuzzRepo = map[string]string{
	"root.hcl": `
locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}
remote_state {
  backend = "s3"
  config  = { key = "${path_relative_to_include()}/tf.tfstate" }
}
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = "# ${local.account.locals.name}"
}
inputs = { account = local.account.locals.name }
`,
	"live/account.hcl":                `locals { name = "prod", id = "1" }`,
	"live/prod/vpc/terragrunt.hcl":    `inputs = { cidr = "10.0.0.0/16" }`,
	"live/prod/env.hcl":               `locals { env = "prod" }`,
	unitDir + "/data.json":            `{"a": [1, 2]}`,
	unitDir + "/t.tftpl":              `${x}`,
	"modules/vpc/main.tf":             ``,
	"_envcommon/app.hcl":              `inputs = { common = true }`,
	"live/prod/nested/terragrunt.hcl": `include { path = find_in_parent_folders("root.hcl") }`,
}

// fuzzTimeLimit bounds one fuzzed evaluation.
const fuzzTimeLimit = 20 * time.Second

// fuzzSeeds are small units that exercise every block and function kind.
var fuzzSeeds = []string{
	`include "root" { path = find_in_parent_folders("root.hcl") }`,
	`include "root" {
  path           = find_in_parent_folders("root.hcl")
  expose         = true
  merge_strategy = "deep"
}
include "common" { path = "${get_repo_root()}/_envcommon/app.hcl" }
locals { a = include.root.locals.account.locals.id }
terraform { source = "${get_repo_root()}//modules/vpc" }
dependency "vpc" {
  config_path  = "../vpc"
  mock_outputs = { id = "x" }
}
dependencies { paths = ["../vpc"] }
inputs = { id = dependency.vpc.outputs.id, t = templatefile("t.tftpl", { x = 1 }) }`,
	`locals {
  e = get_env("X", "y")
  j = jsondecode(file("data.json"))
  r = read_terragrunt_config("../env.hcl", {})
  c = cidrsubnet("10.0.0.0/16", 8, 1)
}
generate "g" {
  path      = "g.tf"
  if_exists = "overwrite"
  contents  = jsonencode(local.j)
}
prevent_destroy = true
skip            = false`,
	`terraform { source = "git::https://github.com/org/repo.git//x?ref=v1" }`,
	`remote_state = { backend = "local", config = { path = get_env("P") } }`,
	// Over the limits (limits.go).
	"locals { a = " + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200) + " }",
	`locals {
  s = join("", [for i in range(1000): "xx"])
  a = replace(local.s, "x", local.s)
  b = [for i in range(1000): [for j in range(1000): [for k in range(1000): k if false]]]
}`,
	`locals { a = "${local.b}${local.b}", b = "${local.c}${local.c}", c = yamldecode("[[[[]]]]") }`,
}

func FuzzEvaluate(f *testing.F) {
	for _, dir := range []string{corpusDir, infraDir} {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".hcl") {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
			return nil
		})
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	outputs := func(_ context.Context, dir string) (cty.Value, bool, error) {
		return cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(dir)}), dir == "live/prod/vpc", nil
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// A unit that never finishes would hold a csocbot worker forever:
		// crash, so that the fuzzer keeps the input.
		watchdog := time.AfterFunc(fuzzTimeLimit, func() {
			panic(fmt.Sprintf("evaluating %q took more than %v", src, fuzzTimeLimit))
		})
		defer watchdog.Stop()
		files := map[string]string{unitFile: string(src)}
		for k, v := range fuzzRepo {
			files[k] = v
		}
		for _, opts := range []Options{
			{UnknownEnv: true},
			{Command: "plan", Env: map[string]string{"X": "x", "P": "p"}, DependencyOutputs: outputs},
		} {
			cfg, err := newEvaluator(t, files, opts).EvaluateUnit(context.Background(), unitDir)
			if (cfg == nil) == (err == nil) {
				t.Fatalf("EvaluateUnit returned config %v and error %v", cfg, err)
			}
			if err != nil {
				msg := err.Error()
				if strings.TrimSpace(msg) == "" || strings.Contains(msg, "panic in function implementation") {
					t.Fatalf("bad error for %q: %q", src, msg)
				}
				continue
			}
			if len(cfg.Reads) == 0 || cfg.Reads[0].Path != unitFile || cfg.Inputs == cty.NilVal {
				t.Fatalf("incomplete config: %+v", cfg)
			}
		}
	})
}
