# Terragrunt 0.63 reads both blocks; neither changes what is compared.
engine {
  source  = "github.com/gruntwork-io/terragrunt-engine-opentofu"
  version = "v0.0.4"
}

catalog {
  urls = ["https://github.com/uc-cdis/gen3-terraform"]
}

inputs = {
  name = "engine-catalog"
}
