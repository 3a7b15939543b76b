variable "role_name" {
  type        = string
  description = "Name of the IAM role assumed by the Kubernetes service account."
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of the cluster's IAM OIDC provider (from the eks unit)."

  validation {
    condition     = can(regex("^arn:aws:iam::[0-9]{12}:oidc-provider/", var.oidc_provider_arn))
    error_message = "The oidc_provider_arn value must be an IAM OIDC provider ARN."
  }
}

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of the service account."
}

variable "service_account" {
  type        = string
  description = "Name of the Kubernetes service account allowed to assume the role."
}

variable "policy_json" {
  type        = string
  description = "IAM policy document (JSON) attached inline to the role."

  validation {
    condition     = can(jsondecode(var.policy_json))
    error_message = "The policy_json value must be valid JSON."
  }
}

variable "tags" {
  type        = map(string)
  description = "Common tags applied to the role."
  default     = {}
}
