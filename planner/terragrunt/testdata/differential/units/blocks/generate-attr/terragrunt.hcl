generate = {
  versions = {
    path      = "versions.tf"
    if_exists = "overwrite_terragrunt"
    contents  = "terraform {}\n"
  }
  plain = {
    path           = "plain.tf"
    if_exists      = "skip"
    comment_prefix = "// "
    contents       = "# plain\n"
  }
}

generate "removed" {
  path        = "removed.tf"
  if_exists   = "overwrite"
  contents    = ""
  disable     = true
  if_disabled = "remove_terragrunt"
}
