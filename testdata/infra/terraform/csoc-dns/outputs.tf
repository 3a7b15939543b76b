output "zone_id" {
  description = "Fake Route 53 zone id."
  value       = "Z${upper(replace(substr(terraform_data.zone.id, 0, 13), "-", ""))}"
}

output "record_fqdns" {
  description = "Fully qualified names of the records, keyed by record name."
  value       = { for k, r in terraform_data.record : k => r.output.name }
}
