# Either an existing network and subnetwork (network, subnetwork, and network_project for a
# Shared VPC) or, with create_network, a custom-mode VPC network with one subnetwork in region
# (Private Google Access on) and a Cloud NAT, so VMs without external IPs still reach a Debian
# mirror for apt and image registries.

locals {
  create_nat = var.create_network && var.create_nat

  network_name    = var.create_network ? google_compute_network.this[0].name : var.network
  subnetwork_name = var.create_network ? google_compute_subnetwork.this[0].name : var.subnetwork

  # partial URLs, which the module passes to instances.insert as they are
  network_url    = "projects/${local.network_project}/global/networks/${local.network_name}"
  subnetwork_url = "projects/${local.network_project}/regions/${var.region}/subnetworks/${local.subnetwork_name}"
}

resource "google_compute_network" "this" {
  count = var.create_network ? 1 : 0

  project                 = local.network_project
  name                    = "${var.name}-net"
  description             = "DBaaS database VMs"
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"

  depends_on = [google_project_service.this]

  lifecycle {
    precondition {
      condition     = var.create_network || (var.network != null && var.subnetwork != null)
      error_message = "Set create_network = true, or give network and subnetwork."
    }
  }
}

resource "google_compute_subnetwork" "this" {
  count = var.create_network ? 1 : 0

  project                  = local.network_project
  name                     = "${var.name}-${var.region}"
  region                   = var.region
  network                  = google_compute_network.this[0].id
  ip_cidr_range            = var.subnetwork_cidr
  private_ip_google_access = true

  lifecycle {
    precondition {
      condition     = alltrue([for z in var.zones : startswith(z, "${var.region}-")])
      error_message = "Every zone in zones must be in region."
    }
  }
}

resource "google_compute_router" "this" {
  count = local.create_nat ? 1 : 0

  project = local.network_project
  name    = "${var.name}-router"
  region  = var.region
  network = google_compute_network.this[0].id
}

resource "google_compute_router_nat" "this" {
  count = local.create_nat ? 1 : 0

  project                            = local.network_project
  name                               = "${var.name}-nat"
  router                             = google_compute_router.this[0].name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "LIST_OF_SUBNETWORKS"

  subnetwork {
    name                    = google_compute_subnetwork.this[0].self_link
    source_ip_ranges_to_nat = ["ALL_IP_RANGES"]
  }

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}
