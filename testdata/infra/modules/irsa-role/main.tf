locals {
  # "arn:aws:iam::<account>:oidc-provider/<issuer host/path>"
  account_id    = split(":", var.oidc_provider_arn)[4]
  oidc_provider = split("oidc-provider/", var.oidc_provider_arn)[1]

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "sts:AssumeRoleWithWebIdentity"
        Principal = { Federated = var.oidc_provider_arn }
        Condition = {
          StringEquals = {
            "${local.oidc_provider}:sub" = "system:serviceaccount:${var.namespace}:${var.service_account}"
            "${local.oidc_provider}:aud" = "sts.amazonaws.com"
          }
        }
      },
    ]
  })
}

resource "terraform_data" "role" {
  input = {
    name               = var.role_name
    assume_role_policy = local.assume_role_policy
    tags               = var.tags
  }

  # IAM role names cannot be changed in place.
  triggers_replace = [var.role_name]
}

resource "terraform_data" "role_policy" {
  input = {
    role   = terraform_data.role.output.name
    policy = jsonencode(jsondecode(var.policy_json))
  }
}
