include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "../../../modules//app"
}

# A shallow merge replaces root.hcl's tags as a whole.
inputs = {
  tags = { owner = "shallow" }
}
