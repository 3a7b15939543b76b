output "role_name" {
  description = "Name of the IAM role."
  value       = terraform_data.role.output.name
}

output "role_arn" {
  description = "ARN of the IAM role, to annotate the service account with."
  value       = "arn:aws:iam::${local.account_id}:role/${terraform_data.role.output.name}"
}

output "assume_role_policy" {
  description = "Trust policy of the role (JSON)."
  value       = terraform_data.role.output.assume_role_policy
}

output "service_account_subject" {
  description = "The only OIDC subject allowed to assume the role."
  value       = "system:serviceaccount:${var.namespace}:${var.service_account}"
}
