output "bucket_name" {
  description = "Name of the bucket."
  value       = terraform_data.bucket.output.bucket
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = "arn:aws:s3:::${terraform_data.bucket.output.bucket}"
}

output "bucket_id" {
  description = "Short id of the bucket resource."
  value       = substr(terraform_data.bucket.id, 0, 8)
}

output "versioning_status" {
  description = "Versioning status of the bucket."
  value       = terraform_data.versioning.output.status
}
