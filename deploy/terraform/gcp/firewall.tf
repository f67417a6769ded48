# Ingress to the database VMs: the engine ports from the clients (and from the backend, which
# probes them), SSH (22) only from the Backstage backend — the Manager drives Docker on the VM
# over SSH. Egress stays the VPC's implied allow-all (apt, image registries, DNS).
#
# Which VMs: the module (plugins/dbaas-backend-module-gce, insertRequest.ts) sets no network
# tag, and firewall rules cannot select VMs by label, so the rules target the VMs' service
# account (target_service_accounts) — the one this module creates and outputs as
# serviceAccountEmail. The Manager must therefore run with serviceAccountEmail set to it; a VM
# without that service account gets none of these rules.
#
# A GCP ingress rule without any source means 0.0.0.0/0, so every rule below exists only when
# it has source ranges, and IPv4 and IPv6 sources (which one rule cannot mix) get a rule each.
# An existing network's own rules (the default network's default-allow-ssh, for one) still
# apply: prefer the created network, or remove such rules.

locals {
  vm_service_accounts = [google_service_account.vm.email]
  database_ports      = [for p in var.database_ports : tostring(p)]

  database_client_sources = {
    for family, cidrs in {
      ipv4 = [for c in var.database_client_cidrs : c if !strcontains(c, ":")]
      ipv6 = [for c in var.database_client_cidrs : c if strcontains(c, ":")]
    } : family => cidrs if length(cidrs) > 0
  }
  backend_sources = {
    for family, cidrs in {
      ipv4 = [for c in var.backstage_backend_cidrs : c if !strcontains(c, ":")]
      ipv6 = [for c in var.backstage_backend_cidrs : c if strcontains(c, ":")]
    } : family => cidrs if length(cidrs) > 0
  }
  backend_database_sources = var.backend_database_access ? local.backend_sources : {}
}

# --- SSH (22): the Backstage backend only ---

resource "google_compute_firewall" "ssh_from_backend" {
  for_each = local.backend_sources

  project     = local.network_project
  name        = "${var.name}-ssh-from-backend-${each.key}"
  description = "SSH from the Backstage backend (DBaaS Manager) to the database VMs"
  network     = local.network_url
  direction   = "INGRESS"
  priority    = 1000

  source_ranges           = each.value
  target_service_accounts = local.vm_service_accounts

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

# --- database ports: clients, and the backend's readiness and health checks ---

resource "google_compute_firewall" "database_from_clients" {
  for_each = local.database_client_sources

  project     = local.network_project
  name        = "${var.name}-db-from-clients-${each.key}"
  description = "Database clients to the engine ports of the database VMs"
  network     = local.network_url
  direction   = "INGRESS"
  priority    = 1000

  source_ranges           = each.value
  target_service_accounts = local.vm_service_accounts

  allow {
    protocol = "tcp"
    ports    = local.database_ports
  }
}

resource "google_compute_firewall" "database_from_backend" {
  for_each = local.backend_database_sources

  project     = local.network_project
  name        = "${var.name}-db-from-backend-${each.key}"
  description = "Backstage backend: readiness and health checks on the engine ports"
  network     = local.network_url
  direction   = "INGRESS"
  priority    = 1000

  source_ranges           = each.value
  target_service_accounts = local.vm_service_accounts

  allow {
    protocol = "tcp"
    ports    = local.database_ports
  }
}
