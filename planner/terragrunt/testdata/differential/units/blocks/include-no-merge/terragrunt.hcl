include "root" {
  path = find_in_parent_folders("root.hcl")
}

include "common" {
  path           = "${get_repo_root()}/common/deep.hcl"
  expose         = true
  merge_strategy = "no_merge"
}

inputs = {
  from_common = include.common.inputs.nested
  locals      = include.common.locals
}
