locals {
  account_name = "gen3-prod"
  account_id   = "222222222222"
}
