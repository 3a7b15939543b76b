# Included by the units under units/: the shared state, provider and
# inputs, built from account.hcl and the unit's place in the tree.
locals {
  account   = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  unit_path = path_relative_to_include()
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

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite"
  contents  = <<EOT
provider "aws" {
  region = "${local.account.locals.region}"
}
EOT
}

inputs = {
  account_id   = local.account.locals.account_id
  unit_path    = local.unit_path
  back_to_root = path_relative_from_include()
  tags = {
    managed_by = "csocbot"
    account    = local.account.locals.account_name
  }
}
