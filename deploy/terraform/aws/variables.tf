# ---------------------------------------------------------------------------
# General
# ---------------------------------------------------------------------------

variable "region" {
  description = "AWS region the database VMs run in (also the app-config key `region`)."
  type        = string
}

variable "name" {
  description = "Name prefix for everything this module creates (security group, roles, policy, VPC)."
  type        = string
  default     = "backstage-dbaas"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,40}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits and +=,.@_- (it prefixes IAM names)."
  }
}

variable "tags" {
  description = "Tags for the resources this module creates (provider default_tags). Not the tags the Manager puts on the VMs: those are app-config `tags`."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------
# Network: an existing VPC, or a small new one
# ---------------------------------------------------------------------------

variable "create_vpc" {
  description = "Create a small VPC with private subnets across availability zones; when false, use vpc_id and subnet_ids."
  type        = bool
  default     = false
}

variable "vpc_id" {
  description = "Existing VPC for the database VMs (required when create_vpc is false)."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Existing subnets of vpc_id the VMs are launched in (required when create_vpc is false; app-config `subnetIds`)."
  type        = list(string)
  default     = []
}

variable "vpc_cidr" {
  description = "CIDR of the VPC created when create_vpc is true (a /16 to /24; each subnet takes 4 more bits)."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block, e.g. 10.42.0.0/16."
  }
}

variable "availability_zone_count" {
  description = "Number of availability zones (one private subnet each) when create_vpc is true."
  type        = number
  default     = 2

  validation {
    condition     = var.availability_zone_count >= 1 && var.availability_zone_count <= 6
    error_message = "availability_zone_count must be between 1 and 6."
  }
}

variable "create_nat_gateway" {
  description = "When create_vpc is true: add one public subnet, an internet gateway and a single NAT gateway so the VMs can reach a Debian mirror (apt installs Docker) and image registries. Set false only if a proxy or mirrors are reachable without it."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------
# Security group of the database VMs
# ---------------------------------------------------------------------------

variable "database_ports" {
  description = "Engine ports the VMs publish: 5432 (PostgreSQL), 3306 (MySQL/MariaDB)."
  type        = list(number)
  default     = [5432, 3306]
}

variable "database_client_cidrs" {
  description = "CIDR blocks (IPv4 or IPv6) of the applications allowed to reach the database ports."
  type        = list(string)
  default     = []
}

variable "backstage_backend_security_group_id" {
  description = "Security group of the Backstage backend: the only source (with backstage_backend_cidrs) allowed SSH (22) to the VMs."
  type        = string
  default     = null
}

variable "backstage_backend_cidrs" {
  description = "CIDR blocks of the Backstage backend (if it has no security group in this VPC): allowed SSH (22) to the VMs."
  type        = list(string)
  default     = []
}

variable "backend_database_access" {
  description = "Also allow the database ports from the Backstage backend: the Manager checks that a new database answers, and reports health, by connecting to it."
  type        = bool
  default     = true
}

variable "egress_cidr_blocks" {
  description = "Destinations the VMs may reach (all protocols). Default: anywhere, for apt, image pulls and DNS. Empty: no egress rule."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "additional_security_group_ids" {
  description = "Further existing security groups to give every VM (listed in securityGroupIds and allowed by the backend policy)."
  type        = list(string)
  default     = []
}

# ---------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------

variable "backstage_backend_role_name" {
  description = "Existing IAM role the Backstage backend runs as; when set, the backend policy is attached to it."
  type        = string
  default     = null
}

variable "vm_role_policy_arns" {
  description = "Managed policies for the database VMs' role (none by default; e.g. AmazonSSMManagedInstanceCore for Session Manager)."
  type        = list(string)
  default     = []
}

# ---------------------------------------------------------------------------
# AMI and encryption
# ---------------------------------------------------------------------------

variable "ami_ssm_parameter" {
  description = "SSM parameter naming the AMI to launch (app-config `amiSsmParameter`); the backend may read only this parameter. Ignored when ami_id is set."
  type        = string
  default     = "/aws/service/debian/release/bookworm/latest/amd64"
}

variable "ami_id" {
  description = "A fixed AMI instead of the SSM parameter (app-config `amiId`); null to use ami_ssm_parameter."
  type        = string
  default     = null
}

variable "create_kms_key" {
  description = "Create a customer managed KMS key for the VMs' EBS volumes (app-config `kmsKeyId`); false uses kms_key_arn or the account's default EBS key."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "An existing customer managed KMS key for the EBS volumes, when create_kms_key is false (null: the account's default EBS key)."
  type        = string
  default     = null
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before a created KMS key is deleted after destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

# ---------------------------------------------------------------------------
# Backup bucket (dbaas.backups.store with type: s3)
# ---------------------------------------------------------------------------

variable "backup_bucket_name" {
  description = "Name of the bucket created for the Manager's s3 backup store (app-config dbaas.backups.store.bucket). Null: <name>-backups-<account id>-<region>, lowercased, at most 63 characters."
  type        = string
  default     = null

  validation {
    condition     = var.backup_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.backup_bucket_name))
    error_message = "backup_bucket_name must be 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit."
  }
}

variable "backup_prefix" {
  description = "Key prefix the backups go under (app-config dbaas.backups.store.prefix); the backend may touch objects only under <prefix>/."
  type        = string
  default     = "dbaas"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*/?$", var.backup_prefix))
    error_message = "backup_prefix must be '/'-separated names of letters, digits, '.', '_' and '-', e.g. dbaas or dbaas/prod (not empty, no leading '/')."
  }
}

variable "backup_kms_key_arn" {
  description = "ARN of a KMS key the backup bucket encrypts with (SSE-KMS; the backend is then allowed kms:GenerateDataKey and kms:Decrypt on it through S3). Null: SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.backup_kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:", var.backup_kms_key_arn))
    error_message = "backup_kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null for SSE-S3."
  }
}

variable "backup_noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted backup object is kept as a noncurrent version before the lifecycle rule expires it. Current objects never expire: the Manager's retention deletes them."
  type        = number
  default     = 30

  validation {
    condition     = var.backup_noncurrent_version_expiration_days >= 1 && floor(var.backup_noncurrent_version_expiration_days) == var.backup_noncurrent_version_expiration_days
    error_message = "backup_noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}
