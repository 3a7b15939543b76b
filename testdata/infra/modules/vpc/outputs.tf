output "vpc_id" {
  description = "Fake AWS-style VPC id derived from the terraform_data id."
  value       = "vpc-${substr(terraform_data.vpc.id, 0, 8)}"
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = terraform_data.vpc.output.cidr
}

output "private_subnet_ids" {
  description = "Fake subnet ids of the private subnets, one per AZ."
  value       = [for s in terraform_data.private_subnet : "subnet-${substr(s.id, 0, 8)}"]
}

output "public_subnet_ids" {
  description = "Fake subnet ids of the public subnets, one per AZ."
  value       = [for s in terraform_data.public_subnet : "subnet-${substr(s.id, 0, 8)}"]
}

output "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets."
  value       = [for s in terraform_data.private_subnet : s.output.cidr]
}
