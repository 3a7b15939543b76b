module "tags" {
  source = "../tags"

  name      = var.name
  component = "vpc"
  tags      = var.tags
}

resource "terraform_data" "vpc" {
  input = {
    name = var.name
    cidr = var.cidr
    tags = module.tags.tags
  }

  # A new CIDR block means a new VPC.
  triggers_replace = [var.cidr]
}

resource "terraform_data" "private_subnet" {
  count = length(var.azs)

  input = {
    vpc  = terraform_data.vpc.id
    az   = var.azs[count.index]
    cidr = cidrsubnet(var.cidr, 4, count.index)
    tier = "private"
  }

  triggers_replace = [terraform_data.vpc.id, var.azs[count.index]]
}

resource "terraform_data" "public_subnet" {
  count = length(var.azs)

  input = {
    vpc  = terraform_data.vpc.id
    az   = var.azs[count.index]
    cidr = cidrsubnet(var.cidr, 4, count.index + 8)
    tier = "public"
  }

  triggers_replace = [terraform_data.vpc.id, var.azs[count.index]]
}
