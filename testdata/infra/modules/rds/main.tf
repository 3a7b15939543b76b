module "tags" {
  source = "../tags"

  name      = var.identifier
  component = "rds"
  tags      = var.tags
}

resource "terraform_data" "subnet_group" {
  input = {
    name       = "${var.identifier}-subnets"
    vpc_id     = var.vpc_id
    subnet_ids = var.subnet_ids
    tags       = module.tags.tags
  }

  triggers_replace = [var.vpc_id]
}

resource "terraform_data" "instance" {
  input = {
    identifier        = var.identifier
    engine            = var.engine
    engine_version    = var.engine_version
    instance_class    = var.instance_class
    allocated_storage = var.allocated_storage
    subnet_group      = terraform_data.subnet_group.output.name
    master_username   = var.master_username
    master_password   = var.master_password
    tags              = module.tags.tags
  }

  # Switching engines (postgres -> aurora-postgresql, ...) is a new database.
  triggers_replace = [var.engine, terraform_data.subnet_group.id]
}
