# Terragrunt 0.63 accepts a generate block named like an included one only
# with a deep merge.
include "root" {
  path           = find_in_parent_folders("root.hcl")
  merge_strategy = "deep"
}

# Switches off root.hcl's provider block.
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite"
  contents  = ""
  disable   = true
}

generate "extra" {
  path              = "extra.tf"
  if_exists         = "skip"
  comment_prefix    = "// "
  disable_signature = true
  contents          = <<-EOF
    locals {
      unit = "${path_relative_to_include()}"
    }
  EOF
}
