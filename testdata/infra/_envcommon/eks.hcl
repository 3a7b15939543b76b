# Settings shared by every EKS unit. Each live/*/*/*/eks/terragrunt.hcl
# includes this file as "envcommon" with expose = true and
# merge_strategy = "deep", so a change here affects every EKS unit.
# Functions below are evaluated in the context of the including unit.

locals {
  env_vars    = read_terragrunt_config(find_in_parent_folders("env.hcl"))
  environment = local.env_vars.locals.environment

  cluster_name_prefix = "gen3"
  cluster_version     = "1.30"
}

terraform {
  source = "${get_repo_root()}//modules/eks"
}

inputs = {
  cluster_version = local.cluster_version

  node_groups = {
    system = {
      instance_types = ["m6i.large"]
      min_size       = 1
      max_size       = 3
      desired_size   = 2
    }
  }
}
