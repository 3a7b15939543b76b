terraform {
  backend "local" {}
}

resource "terraform_data" "updated" {
  input = {
    tags = { Name = "web", Team = "infra" }
    ingress = [
      { port = 443, cidr_blocks = ["10.0.0.0/8", "192.168.0.0/16"] },
    ]
  }
}

resource "terraform_data" "replaced" {
  input            = "same"
  triggers_replace = ["ami-111"]
}

resource "terraform_data" "replaced_cbd" {
  triggers_replace = "v1"
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "tainted" {
  input = "tainted"
}

resource "terraform_data" "deleted" {
  input = "going away"
}

resource "terraform_data" "counted" {
  count = 2
  input = count.index
}

resource "terraform_data" "old_name" {
  input = "moving"
}

resource "terraform_data" "unchanged" {
  input = "steady"
}

resource "terraform_data" "secret" {
  input = sensitive("hunter2")
}

output "greeting" {
  value = "hello"
}

output "password" {
  value     = "old-password"
  sensitive = true
}

output "removed" {
  value = "bye"
}
