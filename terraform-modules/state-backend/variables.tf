variable "bucket_name" {
  description = "Name of the S3 bucket for Terraform state. Globally unique; include the account id, such as gen3-prod-123456789012-tfstate."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3 to 63 lower-case letters, digits and hyphens (no dots: they break TLS on virtual-hosted bucket names)."
  }
}

variable "lock_table_name" {
  description = "Name of the DynamoDB table Terraform locks state with (the backend's dynamodb_table)."
  type        = string
  default     = "terraform-locks"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be 3 to 255 letters, digits and _.-."
  }
}

variable "sse_algorithm" {
  description = "How state objects are encrypted at rest: \"aws:kms\" (SSE-KMS, with kms_key_arn or the AWS managed aws/s3 key) or \"AES256\" (SSE-S3)."
  type        = string
  default     = "aws:kms"

  validation {
    condition     = contains(["aws:kms", "AES256"], var.sse_algorithm)
    error_message = "sse_algorithm must be \"aws:kms\" or \"AES256\"."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key for SSE-KMS (bucket and lock table), or null for the AWS managed keys. Must be null when sse_algorithm is AES256. Roles reading the state need kms:Decrypt on it (csocbot-roles' state_kms_key_arn)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or null."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which S3 deletes state versions that are no longer current, or null to keep every version (the default: old state is how a bad apply is undone)."
  type        = number
  default     = null

  validation {
    condition     = var.noncurrent_version_expiration_days == null || try(var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days, false)
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1, or null."
  }
}

variable "noncurrent_versions_to_keep" {
  description = "When noncurrent_version_expiration_days is set: how many of the newest noncurrent versions S3 keeps regardless of age (0 to 100)."
  type        = number
  default     = 10

  validation {
    condition     = var.noncurrent_versions_to_keep >= 0 && var.noncurrent_versions_to_keep <= 100 && floor(var.noncurrent_versions_to_keep) == var.noncurrent_versions_to_keep
    error_message = "noncurrent_versions_to_keep must be a whole number from 0 to 100."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy the bucket while it holds state. Leave false except for throwaway environments."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of the bucket and the lock table."
  type        = map(string)
  default     = {}
}
