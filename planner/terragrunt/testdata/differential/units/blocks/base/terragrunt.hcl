# A dependency target without modules: Terragrunt falls back to mock outputs.
