inputs = {
  need_vars        = get_terraform_commands_that_need_vars()
  need_input       = get_terraform_commands_that_need_input()
  need_locking     = get_terraform_commands_that_need_locking()
  need_parallelism = get_terraform_commands_that_need_parallelism()
  source_cli_flag  = get_terragrunt_source_cli_flag()
  platform         = get_platform()
  retryable_errors = get_default_retryable_errors()
  working_dir      = get_working_dir()
  pathexpand       = pathexpand("/abs/~/path")
  pathexpand_home  = pathexpand("~/.terraformrc")
  unstable_command = get_terraform_command()
  unstable_args    = get_terraform_cli_args()
}
