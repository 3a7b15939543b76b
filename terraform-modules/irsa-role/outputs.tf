output "role_arn" {
  description = "ARN of the role: the eks.amazonaws.com/role-arn annotation of the service account."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "policy_arn" {
  description = "ARN of the role's policy."
  value       = aws_iam_policy.this.arn
}
