variable "zone_name" {
  type        = string
  description = "Private hosted zone shared by the CSOC and the commons it manages."
  default     = "csoc.internal"
}

variable "records" {
  type        = map(string)
  description = "CNAME records in the zone, keyed by record name."
  default = {
    "atlantis" = "csoc-ops-alb.us-east-1.elb.amazonaws.com"
    "prod"     = "gen3-prod-ingress.us-east-1.elb.amazonaws.com"
    "staging"  = "gen3-staging-ingress.us-east-1.elb.amazonaws.com"
  }
}

variable "ttl" {
  type        = number
  description = "TTL in seconds of every record."
  default     = 300
}

variable "tags" {
  type        = map(string)
  description = "Common tags applied to the zone."
  default = {
    managed_by = "csocbot"
    account    = "csoc"
  }
}
