output "tags" {
  description = "Merged tag map: the common tags plus Name and component."
  value       = local.tags
}
