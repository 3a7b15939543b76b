locals {
  account_name = "gen3-diff"
  account_id   = "111111111111"
  region       = "us-east-1"
}
