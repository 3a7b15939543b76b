remote_state = {
  backend = "s3"
  config = {
    bucket         = "gen3-state-${get_env("CSOCBOT_DIFF_NAME")}"
    key            = "${get_path_from_repo_root()}/terraform.tfstate"
    region         = "us-east-1"
    encrypt        = true
    dynamodb_table = "locks"
  }
  disable_init = true
}
