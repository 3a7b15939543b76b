output "bucket_name" {
  description = "Name of the state bucket: the backend's bucket, and csocbot-roles' state_bucket_name."
  value       = aws_s3_bucket.state.id
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.state.arn
}

output "lock_table_name" {
  description = "Name of the lock table: the backend's dynamodb_table, and csocbot-roles' lock_table_name."
  value       = aws_dynamodb_table.locks.name
}

output "lock_table_arn" {
  description = "ARN of the lock table."
  value       = aws_dynamodb_table.locks.arn
}

output "kms_key_arn" {
  description = "The customer managed KMS key state is encrypted with (the backend's kms_key_id, csocbot-roles' state_kms_key_arn), or null."
  value       = var.sse_algorithm == "aws:kms" ? var.kms_key_arn : null
}
