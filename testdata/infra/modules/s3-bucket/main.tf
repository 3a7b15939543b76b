resource "terraform_data" "bucket" {
  input = {
    bucket        = var.bucket_name
    force_destroy = var.force_destroy
    tags          = var.tags
  }

  triggers_replace = [var.bucket_name]
}

resource "terraform_data" "versioning" {
  input = {
    bucket = terraform_data.bucket.output.bucket
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "terraform_data" "lifecycle" {
  count = var.versioning ? 1 : 0

  input = {
    bucket                             = terraform_data.bucket.output.bucket
    noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  }
}
