# Optional customer managed key for the VMs' EBS volumes (create_kms_key). Without it, the
# Manager uses kms_key_arn if given, else the account's default EBS key (and needs no KMS
# permissions). The created key keeps the default key policy, which delegates to IAM in this
# account, so the backend policy's KMS statements — use only through EC2 in this region — are
# what let the Manager use it.

resource "aws_kms_key" "ebs" {
  count = var.create_kms_key ? 1 : 0

  description             = "${var.name}: EBS volumes of the DBaaS database VMs"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_days
}

resource "aws_kms_alias" "ebs" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${var.name}-ebs"
  target_key_id = aws_kms_key.ebs[0].key_id
}

locals {
  # Known at plan time (from variables only), so it can drive count/for_each.
  use_kms_key = var.create_kms_key || var.kms_key_arn != null
  kms_key_arn = var.create_kms_key ? aws_kms_key.ebs[0].arn : var.kms_key_arn
}
