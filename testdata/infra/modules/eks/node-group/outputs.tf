output "node_group_id" {
  description = "Id of the node group (cluster:name:short-id)."
  value       = "${var.cluster_name}:${var.name}:${substr(terraform_data.node_group.id, 0, 8)}"
}

output "scaling" {
  description = "Scaling configuration of the node group."
  value       = terraform_data.node_group.output.scaling
}
