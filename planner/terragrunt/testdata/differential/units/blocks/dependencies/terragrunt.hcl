include "root" {
  path = find_in_parent_folders("root.hcl")
}

dependencies {
  paths = ["../base", "${get_terragrunt_dir()}/../base2"]
}
