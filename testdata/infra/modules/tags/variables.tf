variable "name" {
  type        = string
  description = "Value for the Name tag of the resource being tagged."
}

variable "tags" {
  type        = map(string)
  description = "Common tags passed down from root.hcl (managed_by, account, environment, region)."
  default     = {}
}

variable "component" {
  type        = string
  description = "Gen3 component that owns the resource (vpc, rds, dns, ...)."
}
