variable "bucket_name" {
  type        = string
  description = "Globally unique bucket name. Changing it replaces the bucket."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "The bucket_name value must be a valid S3 bucket name."
  }
}

variable "versioning" {
  type        = bool
  description = "Whether object versioning is enabled."
  default     = true
}

variable "force_destroy" {
  type        = bool
  description = "Whether the bucket may be destroyed while it still holds objects."
  default     = false
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days after which noncurrent object versions expire."
  default     = 90
}

variable "tags" {
  type        = map(string)
  description = "Common tags applied to the bucket."
  default     = {}
}
