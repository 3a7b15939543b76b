# Plain Terraform root module (no terragrunt.hcl): planned with terraform
# directly, with its state in the default local backend.

module "tags" {
  source = "../../modules/tags"

  name      = var.zone_name
  component = "dns"
  tags      = var.tags
}

resource "terraform_data" "zone" {
  input = {
    name = var.zone_name
    tags = module.tags.tags
  }

  triggers_replace = [var.zone_name]
}

resource "terraform_data" "record" {
  for_each = var.records

  input = {
    zone  = terraform_data.zone.id
    name  = "${each.key}.${var.zone_name}"
    type  = "CNAME"
    ttl   = var.ttl
    value = each.value
  }

  triggers_replace = [terraform_data.zone.id]
}
