// Package synth writes synthetic Terragrunt monorepos of any size, shaped
// like a Gen3 operations repository (accounts, regions, environments,
// units with dependency chains, shared local modules), for benchmarks.
package synth

import (
	"fmt"
	"os"
	"path/filepath"
)

// Layout sizes a repository.
type Layout struct {
	Units       int // total units
	Accounts    int // default 10
	Regions     int // per account, default 2
	Envs        int // per region, default 5
	Modules     int // shared local modules, default 10
	ChainLength int // units per dependency chain, default 10
	ModuleFiles int // .tf files per module, default 3
}

func (l *Layout) defaults() {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&l.Accounts, 10)
	set(&l.Regions, 2)
	set(&l.Envs, 5)
	set(&l.Modules, 10)
	set(&l.ChainLength, 10)
	set(&l.ModuleFiles, 3)
}

// UnitPath returns the repository-relative directory of unit i.
func (l Layout) UnitPath(i int) string {
	l.defaults()
	envs := l.Accounts * l.Regions * l.Envs
	env := i % envs
	k := i / envs
	a, r, e := env/(l.Regions*l.Envs), (env/l.Envs)%l.Regions, env%l.Envs
	return fmt.Sprintf("live/acct-%02d/region-%d/env-%d/unit-%04d", a, r, e, k)
}

// RegionFile returns the region.hcl of the region holding unit i.
func (l Layout) RegionFile(i int) string {
	return filepath.ToSlash(filepath.Join(filepath.Dir(filepath.Dir(l.UnitPath(i))), "region.hcl"))
}

// Write writes the repository into dir.
func Write(dir string, l Layout) error {
	l.defaults()
	w := writer{dir: dir}
	w.file("root.hcl", rootHCL)
	for m := 0; m < l.Modules; m++ {
		for f := 0; f < l.ModuleFiles; f++ {
			w.file(fmt.Sprintf("modules/m%d/file%d.tf", m, f), fmt.Sprintf(moduleTF, f, f, f))
		}
		w.file(fmt.Sprintf("modules/m%d/shared.tf", m), "module \"shared\" {\n  source = \"../shared\"\n}\n")
	}
	w.file("modules/shared/main.tf", sharedTF)
	envs := l.Accounts * l.Regions * l.Envs
	for env := 0; env < envs; env++ {
		a, r, e := env/(l.Regions*l.Envs), (env/l.Envs)%l.Regions, env%l.Envs
		acct := fmt.Sprintf("live/acct-%02d", a)
		w.file(acct+"/account.hcl", fmt.Sprintf("locals {\n  account_name = \"acct-%02d\"\n  account_id   = \"%012d\"\n}\n", a, 100000000000+a))
		w.file(fmt.Sprintf("%s/region-%d/region.hcl", acct, r), fmt.Sprintf("locals {\n  aws_region = \"us-east-%d\"\n}\n", r+1))
		w.file(fmt.Sprintf("%s/region-%d/env-%d/env.hcl", acct, r, e), fmt.Sprintf("locals {\n  environment = \"env-%d\"\n}\n", e))
	}
	for i := 0; i < l.Units; i++ {
		k := i / envs
		body := fmt.Sprintf(unitHCL, i%l.Modules, k, k)
		if k%l.ChainLength != 0 {
			body += fmt.Sprintf(dependencyHCL, k-1)
		}
		w.file(l.UnitPath(i)+"/terragrunt.hcl", body)
	}
	return w.err
}

type writer struct {
	dir string
	err error
}

func (w *writer) file(name, content string) {
	if w.err != nil {
		return
	}
	p := filepath.Join(w.dir, filepath.FromSlash(name))
	if w.err = os.MkdirAll(filepath.Dir(p), 0o755); w.err == nil {
		w.err = os.WriteFile(p, []byte(content), 0o644)
	}
}

const rootHCL = `locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))
}

remote_state {
  backend = "local"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    path = "${get_parent_terragrunt_dir()}/.state/${path_relative_to_include()}/terraform.tfstate"
  }
}

inputs = {
  account_id  = local.account_vars.locals.account_id
  aws_region  = local.region_vars.locals.aws_region
  environment = local.env_vars.locals.environment
  tags = {
    account     = local.account_vars.locals.account_name
    environment = local.env_vars.locals.environment
  }
}
`

const unitHCL = `include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${get_repo_root()}//modules/m%d"
}

inputs = {
  name  = "unit-%04d"
  size  = %d
  flags = ["a", "b"]
}
`

const dependencyHCL = `
dependency "previous" {
  config_path = "../unit-%04d"

  mock_outputs = {
    id = "mock-id"
  }
  mock_outputs_allowed_terraform_commands = ["plan", "validate"]
}
`

const moduleTF = `variable "input_%d" {
  type    = any
  default = null
}

resource "terraform_data" "r%d" {
  input = var.input_%d
}
`

const sharedTF = `output "shared" {
  value = "shared"
}
`
