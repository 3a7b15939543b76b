locals {
  environment = "ops"
}
