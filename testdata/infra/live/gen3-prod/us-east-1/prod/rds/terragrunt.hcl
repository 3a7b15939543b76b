include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "../../../../..//modules/rds"
}

# The metadata database of the commons must never be destroyed by a run.
prevent_destroy = true

locals {
  env_vars    = read_terragrunt_config(find_in_parent_folders("env.hcl"))
  environment = local.env_vars.locals.environment
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
  identifier        = "gen3-${local.environment}-db"
  engine            = "postgres"
  engine_version    = "16.3"
  instance_class    = "db.r6g.large"
  allocated_storage = 100
  vpc_id            = dependency.vpc.outputs.vpc_id
  subnet_ids        = dependency.vpc.outputs.private_subnet_ids
  master_username   = "gen3admin"
  master_password   = get_env("CSOCBOT_TEST_DB_PASSWORD", "offline-test-only-not-a-secret")
}
