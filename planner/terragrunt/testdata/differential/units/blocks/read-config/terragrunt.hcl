locals {
  account = read_terragrunt_config("${get_repo_root()}/account.hcl")
  missing = read_terragrunt_config("${get_terragrunt_dir()}/missing.hcl", { locals = { fallback = true } })
  common  = read_terragrunt_config("${get_repo_root()}/common/deep.hcl")
  json    = read_terragrunt_config("${get_repo_root()}/common/settings.hcl.json")
}

inputs = {
  account_name  = local.account.locals.account_name
  missing       = local.missing
  common_inputs = local.common.inputs
  common_source = local.common.terraform.source
  common_deps   = local.common.dependencies
  common_mocks  = local.common.dependency.base.mock_outputs
  full_account  = local.account
  full_common   = local.common
  full_json     = local.json
}
