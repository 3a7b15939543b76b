locals {
  account_name = "gen3-staging"
  account_id   = "333333333333"
}
