include "root" {
  path = find_in_parent_folders("root.hcl")
}

locals {
  here = get_terragrunt_dir()
}

inputs = {
  terragrunt_dir          = local.here
  original_dir            = get_original_terragrunt_dir()
  parent_dir              = get_parent_terragrunt_dir()
  parent_dir_named        = get_parent_terragrunt_dir("root")
  repo_root               = get_repo_root()
  from_repo_root          = get_path_from_repo_root()
  to_repo_root            = get_path_to_repo_root()
  relative_to_include     = path_relative_to_include("root")
  relative_from_include   = path_relative_from_include()
  found_default           = find_in_parent_folders("account.hcl")
  found_fallback          = find_in_parent_folders("no-such-file.hcl", "fallback-value")
  abspath                 = abspath("../sibling")
  abspath_abs             = abspath("/etc/../tmp")
  dirname                 = dirname("a/b/c.txt")
  basename                = basename("a/b/c.txt")
}
