include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}//modules/vpc"
}

locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))

  aws_region = local.region_vars.locals.aws_region
}

inputs = {
  name = "${local.account_vars.locals.account_name}-${local.env_vars.locals.environment}"
  cidr = "10.128.0.0/20"
  azs  = ["${local.aws_region}a", "${local.aws_region}b"]
}
