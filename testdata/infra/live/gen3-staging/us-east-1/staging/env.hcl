locals {
  environment = "staging"
}
