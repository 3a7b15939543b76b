terraform {
  backend "local" {}
}

resource "terraform_data" "created" {
  input = "brand new"
}

resource "terraform_data" "updated" {
  input = {
    tags = { Name = "web-2", Team = "infra" }
    ingress = [
      { port = 443, cidr_blocks = ["10.0.0.0/8", "172.16.0.0/12"] },
    ]
  }
}

resource "terraform_data" "replaced" {
  input            = "same"
  triggers_replace = ["ami-222"]
}

resource "terraform_data" "replaced_cbd" {
  triggers_replace = "v2"
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "tainted" {
  input = "tainted"
}

resource "terraform_data" "counted" {
  count = 1
  input = count.index
}

moved {
  from = terraform_data.old_name
  to   = terraform_data.new_name
}

resource "terraform_data" "new_name" {
  input = "moving"
}

resource "terraform_data" "unchanged" {
  input = "steady"
}

resource "terraform_data" "secret" {
  input = sensitive("correct horse")
}

# Read during apply: the data source waits on a resource with a pending change.
data "terraform_remote_state" "network" {
  backend = "local"
  config = {
    path = "network.tfstate"
  }
  depends_on = [terraform_data.updated]
}

output "greeting" {
  value = "hello, world"
}

output "password" {
  value     = "new-password"
  sensitive = true
}

output "created_id" {
  value = terraform_data.created.id
}

import {
  to = terraform_data.imported
  id = "existing-id"
}

resource "terraform_data" "imported" {}

# Imported and then updated in place, because the config sets an input the
# imported object does not have.
import {
  to = terraform_data.adopted
  id = "adopted-id"
}

resource "terraform_data" "adopted" {
  input = "adopted"
}
