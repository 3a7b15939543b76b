include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${get_repo_root()}/modules/irsa-role"
}

dependency "eks" {
  config_path = "../eks"

  mock_outputs = {
    cluster_name      = "gen3-staging"
    oidc_provider_arn = "arn:aws:iam::333333333333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/00000000000000000000000000000000"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

inputs = {
  role_name         = "${dependency.eks.outputs.cluster_name}-fence"
  oidc_provider_arn = dependency.eks.outputs.oidc_provider_arn
  namespace         = "gen3"
  service_account   = "fence-sa"
  policy_json       = file("${get_terragrunt_dir()}/../../../../../policies/fence-bucket-read.json")
}
