# Two roles csocbot assumes in a target account: plan (read-only, state
# read and lock) and apply. Only csocbot's own role may assume them, and only
# with the session tags csocbot puts on every session
# (server/credentials/assumerole.go, sessionTags), so that every session in
# CloudTrail names its repository, pull request, user and commit.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  bucket    = "arn:${local.partition}:s3:::${var.state_bucket_name}"
  # Lock tables are named per region; the region is left open so that one
  # module serves units whose backends are in different regions.
  lock_table = var.lock_table_name == null ? null : "arn:${local.partition}:dynamodb:*:${data.aws_caller_identity.current.account_id}:table/${var.lock_table_name}"
}

# Both roles' trust policy. A session without one of the tags, or with a tag
# csocbot does not send, is refused: AssumeRole's request context carries
# the tags (aws:RequestTag, aws:TagKeys) for sts:AssumeRole and
# sts:TagSession alike. csocbot sends no transitive tags (TransitiveTagKeys),
# so sessions cannot pass the tags on through role chaining; no condition on
# sts:TransitiveTagKeys is needed.
data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "CsocbotWithSessionTags"
    effect  = "Allow"
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "AWS"
      identifiers = [var.csocbot_role_arn]
    }

    condition {
      test     = "Null"
      variable = "aws:RequestTag/repo"
      values   = ["false"]
    }

    condition {
      test     = "Null"
      variable = "aws:RequestTag/pull_request"
      values   = ["false"]
    }

    condition {
      test     = "Null"
      variable = "aws:RequestTag/user"
      values   = ["false"]
    }

    condition {
      test     = "Null"
      variable = "aws:RequestTag/head_sha"
      values   = ["false"]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["repo", "pull_request", "user", "head_sha"]
    }

    dynamic "condition" {
      for_each = var.external_id == null ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "${var.name_prefix}-plan"
  path                 = var.role_path
  description          = "csocbot plans: read-only, Terraform state read and lock. Assumed by ${var.csocbot_role_arn}."
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

# What a plan needs beyond ReadOnlyAccess: taking and releasing the state
# lock (DynamoDB items, or S3 lock files with use_lockfile). It must never
# reach the apply role: plans run pull request code nobody has reviewed.
data "aws_iam_policy_document" "plan" {
  statement {
    sid       = "ListState"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket]

    dynamic "condition" {
      for_each = var.state_key_prefix == "" ? [] : [var.state_key_prefix]
      content {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${condition.value}*"]
      }
    }
  }

  statement {
    sid       = "ReadState"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket}/${var.state_key_prefix}*"]
  }

  statement {
    sid       = "LockFiles"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.bucket}/${var.state_key_prefix}*.tflock"]
  }

  dynamic "statement" {
    for_each = local.lock_table == null ? [] : [local.lock_table]
    content {
      sid       = "LockTable"
      effect    = "Allow"
      actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.state_kms_key_arn == null ? [] : [var.state_kms_key_arn]
    content {
      sid       = "StateKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "NeverApply"
    effect    = "Deny"
    actions   = ["sts:AssumeRole"]
    resources = [aws_iam_role.apply.arn]
  }
}

resource "aws_iam_role_policy" "plan" {
  name   = "${var.name_prefix}-plan-state"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan.json
}

resource "aws_iam_role" "apply" {
  name                 = "${var.name_prefix}-apply"
  path                 = var.role_path
  description          = "csocbot applies of reviewed plans. Assumed by ${var.csocbot_role_arn}."
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "apply" {
  for_each   = toset(var.apply_policy_arns)
  role       = aws_iam_role.apply.name
  policy_arn = each.value
}
