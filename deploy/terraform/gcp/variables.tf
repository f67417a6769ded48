# ---------------------------------------------------------------------------
# General
# ---------------------------------------------------------------------------

variable "project" {
  description = "Project the database VMs and disks are created in (app-config `project`)."
  type        = string
}

variable "region" {
  description = "Region of the subnetwork, the Cloud NAT and the KMS key ring; every zone in zones must be in it."
  type        = string
}

variable "zones" {
  description = "Zones the Manager creates VMs in, tried in order when one has no capacity (app-config `zones`)."
  type        = list(string)

  validation {
    condition     = length(var.zones) > 0 && alltrue([for z in var.zones : can(regex("^[a-z]+-[a-z]+[0-9]+-[a-z]$", z))])
    error_message = "zones must list at least one zone name such as europe-west1-b."
  }
}

variable "name" {
  description = "Name prefix for everything this module creates (network, firewall rules, service account, roles, key ring)."
  type        = string
  default     = "backstage-dbaas"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "name must be 3-20 lowercase letters, digits and '-', starting with a letter (it prefixes service account ids and resource names)."
  }
}

variable "enable_apis" {
  description = "Enable the Compute Engine and IAM APIs (and Cloud KMS with create_kms_key) in project; never disabled on destroy."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------
# Network: a new VPC network and subnetwork, or existing ones
# ---------------------------------------------------------------------------

variable "create_network" {
  description = "Create a VPC network with one subnetwork in region (and a Cloud NAT); when false, use network and subnetwork."
  type        = bool
  default     = true
}

variable "network" {
  description = "Existing VPC network name (required when create_network is false)."
  type        = string
  default     = null
}

variable "subnetwork" {
  description = "Existing subnetwork name in region (required when create_network is false)."
  type        = string
  default     = null
}

variable "network_project" {
  description = "Project of the existing network (a Shared VPC host project); null: project. The firewall rules and the subnetwork grant go there."
  type        = string
  default     = null
}

variable "subnetwork_cidr" {
  description = "Primary IPv4 range of the created subnetwork."
  type        = string
  default     = "10.42.0.0/24"

  validation {
    condition     = can(cidrnetmask(var.subnetwork_cidr))
    error_message = "subnetwork_cidr must be an IPv4 CIDR block, e.g. 10.42.0.0/24."
  }
}

variable "create_nat" {
  description = "With create_network: a Cloud Router and Cloud NAT so VMs without external IPs reach a Debian mirror (apt installs Docker) and image registries."
  type        = bool
  default     = true
}

variable "external_ip" {
  description = "The Manager gives each VM an ephemeral external IP (app-config `externalIp`); the backend is then also allowed compute.subnetworks.useExternalIp."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------
# Firewall
# ---------------------------------------------------------------------------

variable "database_ports" {
  description = "Engine ports the VMs publish: 5432 (PostgreSQL), 3306 (MySQL/MariaDB)."
  type        = list(number)
  default     = [5432, 3306]

  validation {
    condition     = length(var.database_ports) > 0 && alltrue([for p in var.database_ports : p >= 1 && p <= 65535 && floor(p) == p && p != 22])
    error_message = "database_ports must be TCP ports (1-65535), and never 22: SSH is open to the Backstage backend only."
  }
}

variable "database_client_cidrs" {
  description = "CIDR blocks (IPv4 or IPv6) of the applications allowed on the database ports. Empty: no client rule (never 0.0.0.0/0 by default)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.database_client_cidrs : can(cidrhost(c, 0))])
    error_message = "database_client_cidrs must be CIDR blocks such as 10.0.0.0/16."
  }
}

variable "backstage_backend_cidrs" {
  description = "Addresses of the Backstage backend (its VM, its GKE nodes or pods range, or its Cloud NAT address): the only source allowed SSH (22) to the VMs."
  type        = list(string)

  validation {
    condition     = length(var.backstage_backend_cidrs) > 0 && alltrue([for c in var.backstage_backend_cidrs : can(cidrhost(c, 0)) && !contains(["0.0.0.0/0", "::/0"], c)])
    error_message = "backstage_backend_cidrs must list the backend's CIDR blocks (at least one, never 0.0.0.0/0 or ::/0): the Manager reaches the VMs over SSH from the backend only."
  }
}

variable "backend_database_access" {
  description = "Also allow the database ports from backstage_backend_cidrs: the Manager checks that a new database answers, and reports health, by connecting to it."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------

variable "backstage_backend_service_account_email" {
  description = "Service account the Backstage backend runs as (attached, Workload Identity, or key); when set, it is granted the custom roles and actAs on the VMs' service account. Null: the roles are only created."
  type        = string
  default     = null
}

variable "image_family" {
  description = "Boot image family (app-config `imageFamily`)."
  type        = string
  default     = "debian-12"
}

variable "image_project" {
  description = "Project of the boot image family (app-config `imageProject`). Public image projects such as debian-cloud need no grant."
  type        = string
  default     = "debian-cloud"
}

variable "grant_image_project_access" {
  description = "Grant the backend roles/compute.imageUser on image_project (for a private image project you administer; not for public ones such as debian-cloud)."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------
# CMEK for the data disks
# ---------------------------------------------------------------------------

variable "create_kms_key" {
  description = "Create a Cloud KMS key ring and key in region for the VMs' data disks (app-config `kmsKeyName`); false uses kms_key_name or Google-managed encryption."
  type        = bool
  default     = false
}

variable "kms_key_name" {
  description = "An existing Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K) for the data disks when create_kms_key is false; the Compute Engine service agent is granted its use. Null: Google-managed encryption."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must be a key's resource name, projects/P/locations/L/keyRings/R/cryptoKeys/K."
  }
}

variable "kms_key_rotation_period" {
  description = "Rotation period of a created key."
  type        = string
  default     = "7776000s"
}
