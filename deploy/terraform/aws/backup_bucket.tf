# The bucket of the DBaaS Manager's s3 backup store (plugins/dbaas-backend-module-s3,
# app-config dbaas.backups.store: { type: s3, bucket, prefix, region }). The Manager does not
# create it. Private (public access blocked, ACLs disabled, TLS only), encrypted (SSE-KMS with
# backup_kms_key_arn, else SSE-S3), versioned. Its lifecycle never expires current objects — the
# Manager's retention decides which backups go — it only aborts multipart uploads a killed
# backend left behind and expires versions that were replaced or deleted. The backend's access
# (ListBucket on the bucket, objects only under the prefix) is in iam.tf.

locals {
  # A bucket name is global: lowercase letters, digits and '-' only (no dots, so TLS to
  # <bucket>.s3.<region>.amazonaws.com works), at most 63 characters, with the account and
  # region for uniqueness.
  backup_bucket_name_suffix = "-backups-${local.account_id}-${local.region}"
  backup_bucket_name_base   = coalesce(trim(replace(lower(var.name), "/[^a-z0-9-]+/", "-"), "-"), "dbaas")
  backup_bucket_name_default = "${trimsuffix(
    substr(local.backup_bucket_name_base, 0, 63 - length(local.backup_bucket_name_suffix)), "-"
  )}${local.backup_bucket_name_suffix}"
  backup_bucket_name = coalesce(var.backup_bucket_name, local.backup_bucket_name_default)

  # dbaas.backups.store.prefix: objects are <prefix>/<key> (the store adds the '/').
  backup_prefix = trim(var.backup_prefix, "/")

  use_backup_kms_key = var.backup_kms_key_arn != null
}

resource "aws_s3_bucket" "backup" {
  bucket = local.backup_bucket_name

  tags = { Name = local.backup_bucket_name }
}

resource "aws_s3_bucket_ownership_controls" "backup" {
  bucket = aws_s3_bucket.backup.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "backup" {
  bucket = aws_s3_bucket.backup.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "backup" {
  bucket = aws_s3_bucket.backup.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backup" {
  bucket = aws_s3_bucket.backup.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.use_backup_kms_key ? "aws:kms" : "AES256"
      kms_master_key_id = var.backup_kms_key_arn
    }
    # one data key per bucket rather than per object: far fewer KMS calls
    bucket_key_enabled = local.use_backup_kms_key ? true : null
  }
}

# Deny anything over plain HTTP, whoever asks.
data "aws_iam_policy_document" "backup_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.backup.arn,
      "${aws_s3_bucket.backup.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "backup" {
  bucket = aws_s3_bucket.backup.id
  policy = data.aws_iam_policy_document.backup_bucket.json

  # S3 refuses concurrent changes to a bucket's policy and its public access block
  depends_on = [aws_s3_bucket_public_access_block.backup]
}

resource "aws_s3_bucket_lifecycle_configuration" "backup" {
  bucket = aws_s3_bucket.backup.id

  rule {
    id     = "dbaas-backups-housekeeping"
    status = "Enabled"

    # the whole bucket
    filter {}

    # A failed backup aborts its own upload; one whose backend was killed cannot.
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }

    # Replaced or deleted objects stay recoverable for a while, then go.
    noncurrent_version_expiration {
      noncurrent_days = var.backup_noncurrent_version_expiration_days
    }

    # No expiration of current objects: the Manager's retention deletes backups.
  }

  # noncurrent-version rules need versioning in place first
  depends_on = [aws_s3_bucket_versioning.backup]
}
