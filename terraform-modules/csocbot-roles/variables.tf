variable "name_prefix" {
  description = "Prefix of the two roles' names: <name_prefix>-plan and <name_prefix>-apply. These are the names the credential profile's plan_role_arn and apply_role_arn end with."
  type        = string
  default     = "csocbot"

  validation {
    # 64 characters for a role name, less the longest suffix ("-apply").
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,58}$", var.name_prefix))
    error_message = "name_prefix must be 1 to 58 of the characters IAM allows in role names (letters, digits and +=,.@_-)."
  }
}

variable "role_path" {
  description = "IAM path of both roles, such as \"/csocbot/\". The role ARNs include it."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7e]+/)?$", var.role_path)) && length(var.role_path) <= 512
    error_message = "role_path must start and end with \"/\" and hold only printable ASCII characters, at most 512 of them."
  }
}

variable "csocbot_role_arn" {
  description = "ARN of the IAM role csocbot's service account runs as (its IRSA role, in the CSOC account). The only principal both roles trust. IAM stores the role's unique id: if that role is deleted and recreated, apply this module again."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.csocbot_role_arn))
    error_message = "csocbot_role_arn must be an IAM role ARN, such as arn:aws:iam::123456789012:role/csocbot."
  }
}

variable "external_id" {
  description = "When set, both roles require this sts:ExternalId; put the same value in the credential profile's external_id. null for none."
  type        = string
  default     = null

  validation {
    condition     = var.external_id == null || can(regex("^[A-Za-z0-9+=,.@:/-]{2,1224}$", var.external_id))
    error_message = "external_id must be 2 to 1224 of the characters STS allows (letters, digits and +=,.@:/-), or null."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration of both roles, in seconds (3600 to 43200). The credential profile's duration must not exceed it; when csocbot's own identity is an assumed role (IRSA), STS allows at most 1h anyway."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200 && floor(var.max_session_duration) == var.max_session_duration
    error_message = "max_session_duration must be a whole number of seconds from 3600 (1h) to 43200 (12h)."
  }
}

variable "state_bucket_name" {
  description = "Name of the S3 bucket holding the Terraform state of the units csocbot plans in this account (the state-backend module's bucket_name output)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens."
  }
}

variable "state_key_prefix" {
  description = "Key prefix within the state bucket that plans may read, such as \"live/gen3-prod/\". \"\" for the whole bucket."
  type        = string
  default     = ""

  validation {
    condition     = !startswith(var.state_key_prefix, "/") && !strcontains(var.state_key_prefix, "*")
    error_message = "state_key_prefix must not start with \"/\" or contain \"*\" (the module adds the wildcard)."
  }
}

variable "state_kms_key_arn" {
  description = "ARN of the KMS key the state bucket encrypts with, when it is a customer managed key: plans get kms:Decrypt on it (and kms:GenerateDataKey for S3 lock files). null for SSE-S3 or the AWS managed key."
  type        = string
  default     = null

  validation {
    condition     = var.state_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.state_kms_key_arn))
    error_message = "state_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or null."
  }
}

variable "lock_table_name" {
  description = "Name of the DynamoDB table Terraform locks state with (the state-backend module's lock_table_name output). null when the backend locks with S3 lock files (use_lockfile) only."
  type        = string
  default     = null

  validation {
    condition     = var.lock_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be a DynamoDB table name (3 to 255 letters, digits and _.-) or null."
  }
}

variable "apply_policy_arns" {
  description = "ARNs of the managed policies attached to the apply role. The default, AdministratorAccess, is a starting point only: narrow it to what the account's units manage (the plan comment lists the resource types)."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/AdministratorAccess"]

  validation {
    condition     = length(var.apply_policy_arns) > 0 && alltrue([for a in var.apply_policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", a))])
    error_message = "apply_policy_arns must list at least one IAM policy ARN (arn:aws:iam::aws:policy/NAME or arn:aws:iam::ACCOUNT:policy/NAME)."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of a managed policy set as the permissions boundary of both roles, or null for none. A boundary caps the apply role whatever apply_policy_arns grant."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN or null."
  }
}

variable "tags" {
  description = "Tags of both roles and of the plan role's policy."
  type        = map(string)
  default     = {}
}
