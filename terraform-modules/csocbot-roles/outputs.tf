output "plan_role_arn" {
  description = "ARN of the plan role: the credential profile's plan_role_arn."
  value       = aws_iam_role.plan.arn
}

output "apply_role_arn" {
  description = "ARN of the apply role: the credential profile's apply_role_arn."
  value       = aws_iam_role.apply.arn
}

output "plan_role_name" {
  description = "Name of the plan role."
  value       = aws_iam_role.plan.name
}

output "apply_role_name" {
  description = "Name of the apply role."
  value       = aws_iam_role.apply.name
}
