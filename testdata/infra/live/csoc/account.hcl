locals {
  account_name = "csoc"
  account_id   = "111111111111"
}
