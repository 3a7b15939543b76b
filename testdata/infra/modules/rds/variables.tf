variable "identifier" {
  type        = string
  description = "Identifier of the database instance, e.g. gen3-prod-db."
}

variable "engine" {
  type        = string
  description = "Database engine. Changing it replaces the instance."
  default     = "postgres"
}

variable "engine_version" {
  type        = string
  description = "Engine version; changed in place."
}

variable "instance_class" {
  type        = string
  description = "Instance class, e.g. db.t4g.medium."
}

variable "allocated_storage" {
  type        = number
  description = "Allocated storage in GiB."
  default     = 20
}

variable "vpc_id" {
  type        = string
  description = "Id of the VPC the database runs in (from the vpc unit)."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnet ids of the DB subnet group."
}

variable "master_username" {
  type        = string
  description = "Master user name."
  default     = "gen3admin"
}

variable "master_password" {
  type        = string
  description = "Master user password."
  sensitive   = true
}

variable "aws_region" {
  type        = string
  description = "AWS region, used to build the endpoint host name."
}

variable "tags" {
  type        = map(string)
  description = "Common tags applied to every resource."
  default     = {}
}
