terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id

  # arn:<partition>:ec2:<region>:<account> — the prefix of every EC2 resource ARN in the policy
  ec2_arn_prefix = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"

  # The tag the DBaaS Manager puts on every instance, volume and key pair it creates
  # (plugins/dbaas-backend-module-ec2). The backend policy is scoped by it.
  managed_by_tag_key   = "dbaas.backstage.io/managed-by"
  managed_by_tag_value = "backstage-dbaas"
}
