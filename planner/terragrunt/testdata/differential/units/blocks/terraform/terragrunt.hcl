terraform {
  source          = "git::git@github.com:uc-cdis/gen3-terraform.git//tf_files/aws/eks?ref=1.0.0"
  include_in_copy = ["*.json", "scripts/*.sh"]

  extra_arguments "vars" {
    commands           = get_terraform_commands_that_need_vars()
    arguments          = ["-lock-timeout=20m"]
    env_vars           = { TF_LOG = "WARN" }
    required_var_files = ["${get_parent_terragrunt_dir()}/common.tfvars"]
    optional_var_files = ["${get_terragrunt_dir()}/optional.tfvars"]
  }

  before_hook "fmt" {
    commands = ["plan"]
    execute  = ["terraform", "fmt"]
  }

  after_hook "done" {
    commands     = ["apply"]
    execute      = ["echo", "done"]
    run_on_error = true
  }

  error_hook "oops" {
    commands  = ["apply"]
    execute   = ["echo", "failed"]
    on_errors = [".*"]
  }
}

inputs = {
  name = "terraform-block"
}
