variable "cluster_name" {
  type        = string
  description = "Name of the EKS cluster, e.g. gen3-prod."
}

variable "cluster_version" {
  type        = string
  description = "Kubernetes version of the control plane. Changing it replaces every node group."
}

variable "vpc_id" {
  type        = string
  description = "Id of the VPC the cluster runs in (from the vpc unit)."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnet ids for the control plane ENIs and the node groups."
}

variable "node_groups" {
  type = map(object({
    instance_types = list(string)
    min_size       = number
    max_size       = number
    desired_size   = number
  }))
  description = "Managed node groups keyed by name."
  default     = {}
}

variable "aws_region" {
  type        = string
  description = "AWS region, used to build the OIDC issuer URL and endpoint."
}

variable "account_id" {
  type        = string
  description = "AWS account id, used to build the OIDC provider ARN."
}

variable "tags" {
  type        = map(string)
  description = "Common tags applied to every resource."
  default     = {}
}
