download_dir                  = "/tmp/csocbot-diff-downloads"
prevent_destroy               = true
skip                          = false
terraform_version_constraint  = ">= 1.0"
terragrunt_version_constraint = ">= 0.50"
retryable_errors              = ["(?s).*timeout.*"]
retry_max_attempts            = 3
retry_sleep_interval_sec      = 5
terraform_binary              = "terraform"
iam_role                      = "arn:aws:iam::111111111111:role/csocbot-diff"
iam_assume_role_duration      = 3600
iam_assume_role_session_name  = "csocbot-diff"
iam_web_identity_token        = "/var/run/token"

inputs = {
  name = "attributes"
}
