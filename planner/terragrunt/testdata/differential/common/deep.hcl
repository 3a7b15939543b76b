# Included by units/blocks/include-deep and include-no-merge with expose,
# and read by units/blocks/read-config.
locals {
  component = "deep"
  list      = ["from-common"]
}

terraform {
  source = "git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/commons?ref=v1.2.3"

  extra_arguments "common_vars" {
    commands  = ["plan", "apply"]
    arguments = ["-lock-timeout=5m"]
  }
}

dependency "base" {
  config_path  = "${get_repo_root()}/units/blocks/base"
  mock_outputs = { id = "from-common", shared = { a = 1, b = [1] } }
}

dependencies {
  paths = ["${get_repo_root()}/units/blocks/base2"]
}

generate "common" {
  path      = "common.tf"
  if_exists = "overwrite_terragrunt"
  contents  = "# from common/deep.hcl\n"
}

inputs = {
  common = local.component
  list   = local.list
  tags   = { from_common = true }
  nested = { keep = "common", override = "common" }
}
