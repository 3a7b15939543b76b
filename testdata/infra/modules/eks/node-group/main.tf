resource "terraform_data" "node_group" {
  input = {
    cluster_name   = var.cluster_name
    name           = var.name
    instance_types = var.instance_types
    scaling = {
      min     = var.min_size
      max     = var.max_size
      desired = var.desired_size
    }
    subnet_ids = var.subnet_ids
    tags       = var.tags
  }

  # New Kubernetes version or new instance types: roll a brand new node group.
  triggers_replace = [var.cluster_version, var.instance_types]
}
