# The variables of gen3-terraform's tf_files/aws/irsa_role, with the same
# names, meanings and defaults (typed here), so that its callers can switch
# source; then this module's own.

variable "role_name" {
  description = "Name for the role to be created"
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1 to 64 of the characters IAM allows in role names (letters, digits and +=,.@_-)."
  }
}

variable "aws_account_id" {
  description = "The AWS account ID this is being run in: the account of eks_cluster_oidc_arn, checked when the module writes the trust policy"
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be a 12-digit AWS account id."
  }
}

variable "aws_region" {
  description = "The AWS region. Defaults to us-east-1. Accepted for compatibility with gen3-terraform's irsa_role, which did not use it either: the cluster's region is part of eks_cluster_oidc_arn"
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.aws_region))
    error_message = "aws_region must be an AWS region name, such as us-east-1."
  }
}

variable "eks_cluster_oidc_arn" {
  description = "The OIDC provider ARN for the cluster you are creating a role in (arn:aws:iam::ACCOUNT:oidc-provider/oidc.eks.REGION.amazonaws.com/id/ID)"
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/[^/]+/.+$", var.eks_cluster_oidc_arn))
    error_message = "eks_cluster_oidc_arn must be an IAM OIDC provider ARN, such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC."
  }
}

variable "kubernetes_namespace" {
  description = "The namespace the service account that will assume this role lives in"
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.kubernetes_namespace))
    error_message = "kubernetes_namespace must be a Kubernetes namespace name (lower-case letters, digits and -, at most 63)."
  }
}

variable "kubernetes_service_account" {
  description = "The name of the service account that will assume this role"
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$", var.kubernetes_service_account))
    error_message = "kubernetes_service_account must be a Kubernetes object name (lower-case letters, digits, - and ., no wildcards)."
  }
}

variable "role_assume_role_policy" {
  description = "Assume role policy in JSON format. If this is set, it replaces the trust policy the module writes from eks_cluster_oidc_arn, kubernetes_namespace and kubernetes_service_account (and trust_ec2_instances is ignored)"
  type        = string
  default     = ""

  validation {
    condition     = var.role_assume_role_policy == "" || can(jsondecode(var.role_assume_role_policy))
    error_message = "role_assume_role_policy must be a JSON policy document, or \"\"."
  }
}

variable "role_tags" {
  description = "Tags for the role"
  type        = map(string)
  default     = {}
}

variable "role_force_detach_policies" {
  description = "Specifies to force detaching any policies the role has before destroying it. Defaults to false."
  type        = bool
  default     = false
}

variable "role_description" {
  description = "Description for the role"
  type        = string
  default     = ""
}

variable "policy_name" {
  description = "Name for the policy"
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.policy_name))
    error_message = "policy_name must be 1 to 128 of the characters IAM allows in policy names (letters, digits and +=,.@_-)."
  }
}

variable "policy_path" {
  description = "Path in which to create the policy."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7e]+/)?$", var.policy_path))
    error_message = "policy_path must start and end with \"/\"."
  }
}

variable "policy_description" {
  description = "Description for the policy"
  type        = string
  default     = ""
}

variable "policy_json" {
  description = "Basically the actual policy in JSON"
  type        = string

  validation {
    condition     = can(jsondecode(var.policy_json))
    error_message = "policy_json must be a JSON policy document."
  }
}

variable "trust_ec2_instances" {
  description = "Also trust ec2.amazonaws.com, as gen3-terraform's IAM roles did: every EC2 instance with an instance profile of this role (EKS nodes included) then gets the service account's permissions. Off by default; csocbot's irsa_trust policy rule denies it unless the role is allowlisted in irsa_ec2_principal_roles."
  type        = bool
  default     = false
}

variable "role_max_session_duration" {
  description = "Maximum session duration of the role, in seconds (3600 to 43200)."
  type        = number
  default     = 3600

  validation {
    condition     = var.role_max_session_duration >= 3600 && var.role_max_session_duration <= 43200 && floor(var.role_max_session_duration) == var.role_max_session_duration
    error_message = "role_max_session_duration must be a whole number of seconds from 3600 to 43200."
  }
}

variable "role_permissions_boundary" {
  description = "ARN of a managed policy set as the role's permissions boundary, or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.role_permissions_boundary))
    error_message = "role_permissions_boundary must be an IAM policy ARN or null."
  }
}
