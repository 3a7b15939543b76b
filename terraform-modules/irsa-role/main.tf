# An IAM role one Kubernetes service account assumes through its cluster's
# OIDC provider (IRSA), with one policy, as gen3-terraform's irsa_role makes
# it; but trusting only that service account unless asked otherwise.

locals {
  # "arn:aws:iam::123:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
  # -> "oidc.eks.us-east-1.amazonaws.com/id/ABC", the prefix of its
  # condition keys.
  oidc_host     = split("oidc-provider/", var.eks_cluster_oidc_arn)[1]
  oidc_account  = split(":", var.eks_cluster_oidc_arn)[4]
  custom_trust  = var.role_assume_role_policy != ""
  assume_policy = local.custom_trust ? var.role_assume_role_policy : data.aws_iam_policy_document.trust.json
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "ServiceAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.eks_cluster_oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = ["system:serviceaccount:${var.kubernetes_namespace}:${var.kubernetes_service_account}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = var.trust_ec2_instances ? ["ec2.amazonaws.com"] : []
    content {
      sid     = "Ec2Instances"
      effect  = "Allow"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "Service"
        identifiers = [statement.value]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  name                  = var.role_name
  description           = var.role_description
  assume_role_policy    = local.assume_policy
  force_detach_policies = var.role_force_detach_policies
  max_session_duration  = var.role_max_session_duration
  permissions_boundary  = var.role_permissions_boundary
  tags                  = var.role_tags

  lifecycle {
    precondition {
      condition     = local.custom_trust || local.oidc_account == var.aws_account_id
      error_message = "eks_cluster_oidc_arn is in account ${local.oidc_account}, not aws_account_id ${var.aws_account_id}: an IRSA role trusts its own account's cluster."
    }
  }
}

resource "aws_iam_policy" "this" {
  name        = var.policy_name
  path        = var.policy_path
  description = var.policy_description
  policy      = var.policy_json
  tags        = var.role_tags
}

resource "aws_iam_role_policy_attachment" "this" {
  role       = aws_iam_role.this.name
  policy_arn = aws_iam_policy.this.arn
}
