include "root" {
  path           = find_in_parent_folders("root.hcl")
  merge_strategy = "deep"
}

include "common" {
  path           = "${get_repo_root()}/common/deep.hcl"
  expose         = true
  merge_strategy = "deep"
}

dependency "base" {
  config_path                             = "../base"
  mock_outputs                            = { own = "unit", shared = { b = [2], c = 3 } }
  mock_outputs_allowed_terraform_commands = ["plan"]
}

# A deep merge merges maps and concatenates lists.
inputs = {
  tags           = { owner = "deep" }
  list           = ["from-unit"]
  nested         = { override = "unit" }
  exposed        = include.common.locals.component
  exposed_inputs = include.common.inputs.common
  exposed_source = include.common.terraform.source
  dep_own        = dependency.base.outputs.own
  dep_shared     = dependency.base.outputs.shared
  root_relative  = path_relative_to_include("root")
  common_dir     = get_parent_terragrunt_dir("common")
}
