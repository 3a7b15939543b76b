include "root" {
  path = find_in_parent_folders("root.hcl")
}

# terraform.source and the "system" node group come from _envcommon/eks.hcl.
include "envcommon" {
  path           = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/eks.hcl"
  expose         = true
  merge_strategy = "deep"
}

dependency "vpc" {
  config_path = "../vpc"

  mock_outputs = {
    vpc_id             = "vpc-00000000"
    private_subnet_ids = ["subnet-00000000", "subnet-11111111", "subnet-22222222"]
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
}

inputs = {
  cluster_name = "${include.envcommon.locals.cluster_name_prefix}-${include.envcommon.locals.environment}"
  vpc_id       = dependency.vpc.outputs.vpc_id
  subnet_ids   = dependency.vpc.outputs.private_subnet_ids

  # Deep-merged with node_groups from _envcommon/eks.hcl: prod ends up with
  # both "system" and "workers".
  node_groups = {
    workers = {
      instance_types = ["m6i.2xlarge"]
      min_size       = 2
      max_size       = 10
      desired_size   = 3
    }
  }
}
