output "db_instance_id" {
  description = "Fake AWS-style resource id of the instance."
  value       = "db-${upper(replace(terraform_data.instance.id, "-", ""))}"
}

output "endpoint" {
  description = "Host name of the instance."
  value       = "${var.identifier}.${substr(terraform_data.instance.id, 0, 8)}.${var.aws_region}.rds.amazonaws.com"
}

output "port" {
  description = "Port the engine listens on."
  value       = 5432
}

output "master_username" {
  description = "Master user name."
  value       = var.master_username
}

output "master_password" {
  description = "Master user password."
  value       = var.master_password
  sensitive   = true
}
