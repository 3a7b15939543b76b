include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "../../../../../modules/s3-bucket"
}

locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))
}

inputs = {
  bucket_name   = "gen3-${local.env_vars.locals.environment}-${local.account_vars.locals.account_id}-data"
  versioning    = true
  force_destroy = false
}
