# Root Terragrunt configuration, included by every unit under live/.
# Account, region and environment come from the account.hcl, region.hcl and
# env.hcl files found above the unit that includes this file.

locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))

  account_name = local.account_vars.locals.account_name
  account_id   = local.account_vars.locals.account_id
  aws_region   = local.region_vars.locals.aws_region
  environment  = local.env_vars.locals.environment
}

remote_state {
  backend = "local"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    path = "${get_env("CSOCBOT_STATE_DIR", "${get_parent_terragrunt_dir()}/.state")}/${path_relative_to_include()}/terraform.tfstate"
  }
}

generate "versions" {
  path      = "versions_terragrunt.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOT
terraform {
  required_version = ">= 1.5.0"
}
EOT
}

inputs = {
  aws_region  = local.aws_region
  account_id  = local.account_id
  environment = local.environment

  tags = {
    managed_by  = "csocbot"
    account     = local.account_name
    environment = local.environment
    region      = local.aws_region
  }
}
