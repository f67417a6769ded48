# Two sides:
#  - the policy the Backstage backend (DBaaS Manager) needs to run the `ec2` runtime: least
#    privilege, creation only with the managed-by tag in the request, destruction only of
#    resources carrying it (tag-scoped RunInstances written as AWS documents it); plus its s3
#    backup store: the backup bucket, objects under the prefix only;
#  - the role and instance profile the database VMs get: no permissions by default.

locals {
  subnet_arns         = [for id in local.subnet_ids : "${local.ec2_arn_prefix}:subnet/${id}"]
  security_group_arns = [for id in local.security_group_ids : "${local.ec2_arn_prefix}:security-group/${id}"]

  # Public parameters (/aws/service/...) have no account in their ARN.
  ami_ssm_parameter_path = var.ami_id == null && var.ami_ssm_parameter != null ? "/${trimprefix(var.ami_ssm_parameter, "/")}" : null
  ami_ssm_parameter_arn = local.ami_ssm_parameter_path == null ? null : (
    startswith(local.ami_ssm_parameter_path, "/aws/")
    ? "arn:${local.partition}:ssm:${local.region}::parameter${local.ami_ssm_parameter_path}"
    : "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${local.ami_ssm_parameter_path}"
  )

  ec2_via_service = "ec2.${local.region}.amazonaws.com"
  s3_via_service  = "s3.${local.region}.amazonaws.com"
}

data "aws_iam_policy_document" "backend" {
  # RunInstances, part 1: the resources it references but does not create or tag. Subnets and
  # security groups are only this module's; the AMI and the network interface RunInstances
  # creates are not tagged, so they cannot be scoped by the tag.
  statement {
    sid     = "RunInstancesReferencedResources"
    effect  = "Allow"
    actions = ["ec2:RunInstances"]
    resources = concat(
      ["arn:${local.partition}:ec2:${local.region}::image/*"],
      local.subnet_arns,
      local.security_group_arns,
      ["${local.ec2_arn_prefix}:network-interface/*"],
    )
  }

  # RunInstances, part 2: the per-host key pair, which the Manager imported with the tag.
  statement {
    sid       = "RunInstancesManagedKeyPair"
    effect    = "Allow"
    actions   = ["ec2:RunInstances"]
    resources = ["${local.ec2_arn_prefix}:key-pair/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
  }

  # RunInstances, part 3: the instance it creates, only with the tag in the request and IMDSv2.
  statement {
    sid       = "RunInstancesTaggedInstance"
    effect    = "Allow"
    actions   = ["ec2:RunInstances"]
    resources = ["${local.ec2_arn_prefix}:instance/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
    condition {
      test     = "StringEquals"
      variable = "ec2:MetadataHttpTokens"
      values   = ["required"]
    }
  }

  # RunInstances, part 4: the volumes it creates (root and data), only with the tag in the request.
  statement {
    sid       = "RunInstancesTaggedVolumes"
    effect    = "Allow"
    actions   = ["ec2:RunInstances"]
    resources = ["${local.ec2_arn_prefix}:volume/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
  }

  # The per-host SSH key pair, only with the tag in the request.
  statement {
    sid       = "ImportTaggedKeyPair"
    effect    = "Allow"
    actions   = ["ec2:ImportKeyPair"]
    resources = ["${local.ec2_arn_prefix}:key-pair/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
  }

  # Tag on create only: CreateTags is authorised as part of RunInstances / ImportKeyPair, never
  # on its own (so the Manager cannot tag, and thereby adopt, resources it did not create).
  statement {
    sid     = "TagOnCreateOnly"
    effect  = "Allow"
    actions = ["ec2:CreateTags"]
    resources = [
      "${local.ec2_arn_prefix}:instance/*",
      "${local.ec2_arn_prefix}:volume/*",
      "${local.ec2_arn_prefix}:key-pair/*",
    ]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["RunInstances", "ImportKeyPair"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
  }

  # Describe calls support no resource-level permissions.
  statement {
    sid    = "Describe"
    effect = "Allow"
    actions = [
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceStatus",
      "ec2:DescribeKeyPairs",
      "ec2:DescribeVolumes",
      "ec2:DescribeVolumesModifications",
    ]
    resources = ["*"]
  }

  # Growing a database's data volume (storage resize): only volumes carrying the managed-by tag.
  statement {
    sid       = "ResizeManagedVolumes"
    effect    = "Allow"
    actions   = ["ec2:ModifyVolume"]
    resources = ["${local.ec2_arn_prefix}:volume/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
  }

  # Stopping and starting a database's VM (day-2 stop/start): only what carries the managed-by tag.
  statement {
    sid       = "StopStartManagedOnly"
    effect    = "Allow"
    actions   = ["ec2:StopInstances", "ec2:StartInstances"]
    resources = ["${local.ec2_arn_prefix}:instance/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
  }

  # Giving a database's stopped VM another instance type (flavor change): only what carries the
  # managed-by tag.
  statement {
    sid       = "ResizeManagedInstances"
    effect    = "Allow"
    actions   = ["ec2:ModifyInstanceAttribute"]
    resources = ["${local.ec2_arn_prefix}:instance/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
  }

  # Destruction: only what carries the managed-by tag.
  statement {
    sid    = "DestroyManagedOnly"
    effect = "Allow"
    actions = [
      "ec2:TerminateInstances",
      "ec2:DeleteVolume",
      "ec2:DeleteKeyPair",
    ]
    resources = [
      "${local.ec2_arn_prefix}:instance/*",
      "${local.ec2_arn_prefix}:volume/*",
      "${local.ec2_arn_prefix}:key-pair/*",
    ]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.managed_by_tag_key}"
      values   = [local.managed_by_tag_value]
    }
  }

  # The VMs' instance profile: its role, to EC2 only.
  statement {
    sid       = "PassVmRole"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.vm.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }

  # The AMI id, from the one configured SSM parameter.
  dynamic "statement" {
    for_each = local.ami_ssm_parameter_path == null ? [] : [local.ami_ssm_parameter_arn]
    content {
      sid       = "ReadAmiParameter"
      effect    = "Allow"
      actions   = ["ssm:GetParameter"]
      resources = [statement.value]
    }
  }

  # A customer managed EBS key: grants for EC2 only, and use only through EC2 in this region.
  dynamic "statement" {
    for_each = local.use_kms_key ? [local.kms_key_arn] : []
    content {
      sid       = "EbsKeyGrantForEc2"
      effect    = "Allow"
      actions   = ["kms:CreateGrant"]
      resources = [statement.value]

      condition {
        test     = "Bool"
        variable = "kms:GrantIsForAWSResource"
        values   = ["true"]
      }
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.ec2_via_service]
      }
    }
  }

  dynamic "statement" {
    for_each = local.use_kms_key ? [local.kms_key_arn] : []
    content {
      sid    = "EbsKeyUseViaEc2"
      effect = "Allow"
      actions = [
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:Decrypt",
        "kms:DescribeKey",
      ]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.ec2_via_service]
      }
    }
  }

  # The s3 backup store (dbaas.backups.store, plugins/dbaas-backend-module-s3): listing the
  # bucket — with no s3:prefix condition: S3 answers 404 rather than 403 for a missing object
  # only to callers allowed to list the bucket, and the store tells "not found" from "denied" …
  statement {
    sid       = "BackupBucketList"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.backup.arn]
  }

  # … and the objects under the prefix only (multipart uploads are authorised as PutObject).
  statement {
    sid    = "BackupObjectsUnderPrefix"
    effect = "Allow"
    actions = [
      "s3:PutObject",
      "s3:GetObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    resources = ["${aws_s3_bucket.backup.arn}/${local.backup_prefix}/*"]
  }

  # A KMS key on the backup bucket: used only through S3 in this region.
  dynamic "statement" {
    for_each = local.use_backup_kms_key ? [var.backup_kms_key_arn] : []
    content {
      sid    = "BackupKeyUseViaS3"
      effect = "Allow"
      actions = [
        "kms:GenerateDataKey",
        "kms:Decrypt",
      ]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.s3_via_service]
      }
    }
  }
}

resource "aws_iam_policy" "backend" {
  name_prefix = "${var.name}-backend-"
  description = "Backstage DBaaS Manager, ec2 runtime: launch, inspect and delete the database VMs it tags"
  policy      = data.aws_iam_policy_document.backend.json
}

resource "aws_iam_role_policy_attachment" "backend" {
  count = var.backstage_backend_role_name == null ? 0 : 1

  role       = var.backstage_backend_role_name
  policy_arn = aws_iam_policy.backend.arn
}

# --- the database VMs' role and instance profile ---

data "aws_iam_policy_document" "vm_assume" {
  statement {
    sid     = "Ec2AssumesRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "vm" {
  name_prefix        = "${var.name}-vm-"
  description        = "DBaaS database VMs (no permissions unless vm_role_policy_arns adds some)"
  assume_role_policy = data.aws_iam_policy_document.vm_assume.json
}

resource "aws_iam_role_policy_attachment" "vm" {
  for_each = toset(var.vm_role_policy_arns)

  role       = aws_iam_role.vm.name
  policy_arn = each.value
}

resource "aws_iam_instance_profile" "vm" {
  name_prefix = "${var.name}-vm-"
  role        = aws_iam_role.vm.name
}
