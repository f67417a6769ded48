# Outputs the Manager's app-config reads are named exactly after their keys under
# dbaas.runtimes.ec2 (plugins/dbaas-backend-module-ec2/src/config.ts, EC2_CONFIG_KEYS), and
# backup_<key> after the keys of dbaas.backups.store (plugins/dbaas-backend-module-s3/config.d.ts);
# a test (plugins/dbaas-backend-module-ec2/src/terraform.test.ts) keeps them in step.

output "region" {
  description = "dbaas.runtimes.ec2.region"
  value       = local.region
}

output "subnetIds" {
  description = "dbaas.runtimes.ec2.subnetIds: the subnets the VMs are launched in"
  value       = local.subnet_ids
}

output "securityGroupIds" {
  description = "dbaas.runtimes.ec2.securityGroupIds: the VMs' security group(s)"
  value       = local.security_group_ids
}

output "instanceProfileName" {
  description = "dbaas.runtimes.ec2.instanceProfileName: the VMs' instance profile"
  value       = aws_iam_instance_profile.vm.name
}

output "amiSsmParameter" {
  description = "dbaas.runtimes.ec2.amiSsmParameter (null when ami_id is set)"
  value       = local.ami_ssm_parameter_path
}

output "amiId" {
  description = "dbaas.runtimes.ec2.amiId (null unless ami_id is set)"
  value       = var.ami_id
}

output "kmsKeyId" {
  description = "dbaas.runtimes.ec2.kmsKeyId: the EBS key's ARN when created (or given as kms_key_arn); null for the account's default EBS key"
  value       = local.kms_key_arn
}

output "backendPolicyArn" {
  description = "The IAM policy the Backstage backend's role needs (attached already if backstage_backend_role_name was set)"
  value       = aws_iam_policy.backend.arn
}

output "backup_bucket" {
  description = "dbaas.backups.store.bucket: the bucket of the s3 backup store"
  value       = aws_s3_bucket.backup.id
}

output "backup_prefix" {
  description = "dbaas.backups.store.prefix: the key prefix the backend may write under"
  value       = local.backup_prefix
}

output "backup_region" {
  description = "dbaas.backups.store.region: the backup bucket's region"
  value       = aws_s3_bucket.backup.region
}

output "appConfig" {
  description = "The dbaas.runtimes.ec2 and dbaas.backups.store blocks made from the outputs above, ready to paste into app-config.production.yaml"
  value = yamlencode({
    dbaas = {
      runtimes = {
        ec2 = {
          for key, value in {
            region              = local.region
            subnetIds           = local.subnet_ids
            securityGroupIds    = local.security_group_ids
            instanceProfileName = aws_iam_instance_profile.vm.name
            amiSsmParameter     = local.ami_ssm_parameter_path
            amiId               = var.ami_id
            kmsKeyId            = local.kms_key_arn
          } : key => value if value != null
        }
      }
      backups = {
        store = {
          type   = "s3"
          bucket = aws_s3_bucket.backup.id
          prefix = local.backup_prefix
          region = aws_s3_bucket.backup.region
        }
      }
    }
  })
}
