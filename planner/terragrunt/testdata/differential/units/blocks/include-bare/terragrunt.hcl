include {
  path = find_in_parent_folders("root.hcl")
}

inputs = {
  bare = path_relative_to_include()
}
