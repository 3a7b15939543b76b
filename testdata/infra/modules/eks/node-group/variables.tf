variable "cluster_name" {
  type        = string
  description = "Name of the EKS cluster the node group joins."
}

variable "cluster_version" {
  type        = string
  description = "Kubernetes version of the cluster; a change replaces the node group."
}

variable "name" {
  type        = string
  description = "Name of the node group."
}

variable "instance_types" {
  type        = list(string)
  description = "EC2 instance types of the node group."
}

variable "min_size" {
  type        = number
  description = "Minimum number of nodes."
}

variable "max_size" {
  type        = number
  description = "Maximum number of nodes."
}

variable "desired_size" {
  type        = number
  description = "Desired number of nodes."

  validation {
    condition     = var.desired_size >= 0
    error_message = "The desired_size value must not be negative."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets the nodes are launched in."
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the node group."
  default     = {}
}
