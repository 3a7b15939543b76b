resource "terraform_data" "cluster" {
  input = {
    name       = var.cluster_name
    version    = var.cluster_version
    vpc_id     = var.vpc_id
    subnet_ids = var.subnet_ids
    tags       = var.tags
  }

  # Moving the cluster to another VPC means a new cluster. A version bump is
  # an in-place update of the control plane.
  triggers_replace = [var.vpc_id]
}

resource "terraform_data" "oidc_provider" {
  input = {
    issuer = "https://oidc.eks.${var.aws_region}.amazonaws.com/id/${upper(replace(terraform_data.cluster.id, "-", ""))}"
  }
}

module "node_group" {
  source   = "./node-group"
  for_each = var.node_groups

  cluster_name    = terraform_data.cluster.output.name
  cluster_version = var.cluster_version
  name            = each.key
  instance_types  = each.value.instance_types
  min_size        = each.value.min_size
  max_size        = each.value.max_size
  desired_size    = each.value.desired_size
  subnet_ids      = var.subnet_ids
  tags            = var.tags
}
