include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${get_repo_root()}//modules/vpc"
}

locals {
  region_vars = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars    = read_terragrunt_config(find_in_parent_folders("env.hcl"))

  aws_region  = local.region_vars.locals.aws_region
  environment = local.env_vars.locals.environment
}

inputs = {
  name = "gen3-${local.environment}"
  cidr = "10.10.0.0/16"
  azs  = [for az in ["a", "b", "c"] : "${local.aws_region}${az}"]
}
