include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${get_repo_root()}/modules/irsa-role"
}

locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))

  # Same naming rule as the s3-data unit; no outputs are read from it.
  workspace_bucket = "gen3-${local.env_vars.locals.environment}-${local.account_vars.locals.account_id}-data"
}

dependency "eks" {
  config_path = "../eks"

  mock_outputs = {
    cluster_name      = "gen3-prod"
    oidc_provider_arn = "arn:aws:iam::222222222222:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/00000000000000000000000000000000"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

# Ordering only: the workspace bucket must exist before the role that uses it.
dependencies {
  paths = ["../s3-data"]
}

inputs = {
  role_name         = "${dependency.eks.outputs.cluster_name}-hatchery"
  oidc_provider_arn = dependency.eks.outputs.oidc_provider_arn
  namespace         = "gen3"
  service_account   = "hatchery-service-account"
  policy_json = templatefile("${get_repo_root()}/policies/hatchery-workspace.json.tftpl", {
    bucket_name = local.workspace_bucket
  })
}
