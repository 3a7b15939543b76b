# Both tools reject this unit: Terragrunt 0.63 has no for_each on dependency
# blocks.
dependency "bases" {
  for_each    = toset(["base", "base2"])
  config_path = "../${each.key}"
}
