variable "name" {
  type        = string
  description = "Name of the VPC, e.g. gen3-prod."
}

variable "cidr" {
  type        = string
  description = "IPv4 CIDR block of the VPC. Changing it replaces the VPC."

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "The cidr value must be a valid IPv4 CIDR block."
  }
}

variable "azs" {
  type        = list(string)
  description = "Availability zones; one private and one public subnet is created per zone."
}

variable "tags" {
  type        = map(string)
  description = "Common tags applied to every resource."
  default     = {}
}
