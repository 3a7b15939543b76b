output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = terraform_data.cluster.output.name
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = terraform_data.cluster.output.version
}

output "cluster_endpoint" {
  description = "Fake API server endpoint."
  value       = "https://${upper(substr(terraform_data.cluster.id, 0, 8))}.gr7.${var.aws_region}.eks.amazonaws.com"
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster."
  value       = terraform_data.oidc_provider.output.issuer
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider, consumed by the irsa-* units."
  value       = "arn:aws:iam::${var.account_id}:oidc-provider/${trimprefix(terraform_data.oidc_provider.output.issuer, "https://")}"
}

output "node_group_ids" {
  description = "Node group ids keyed by node group name."
  value       = { for k, ng in module.node_group : k => ng.node_group_id }
}
