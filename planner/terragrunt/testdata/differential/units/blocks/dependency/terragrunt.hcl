dependency "base" {
  config_path                             = "../base"
  mock_outputs                            = { vpc_id = "vpc-mock", subnets = ["a", "b"], nested = { x = 1 } }
  mock_outputs_allowed_terraform_commands = ["plan", "validate"]
  mock_outputs_merge_strategy_with_state  = "shallow"
}

dependency "skipped" {
  config_path  = "../base2"
  skip_outputs = true
  mock_outputs = { y = "mock-y" }
}

dependency "merged" {
  config_path                   = "../base2"
  mock_outputs                  = { z = "mock-z" }
  mock_outputs_merge_with_state = true
}

# Disabled: Terragrunt never looks at it, so the unit need not exist.
dependency "disabled" {
  config_path  = "../not-yet-created"
  enabled      = false
  mock_outputs = { w = "mock-w" }
}

inputs = {
  vpc_id  = dependency.base.outputs.vpc_id
  subnets = dependency.base.outputs.subnets
  nested  = dependency.base.outputs.nested
  y       = dependency.skipped.outputs.y
  z       = dependency.merged.outputs.z
  w       = dependency.disabled.outputs.w
}
