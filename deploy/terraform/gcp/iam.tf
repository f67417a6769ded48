# The database VMs' service account, and the Backstage backend's least-privilege custom roles.
#
# The permissions are exactly those of the Compute calls the module makes
# (plugins/dbaas-backend-module-gce/src/GceHostProvider.ts; its computeErrors.ts names them
# per call): instances.insert / get / list / delete, disks.list / delete, zoneOperations.wait.
# A test (plugins/dbaas-backend-module-gce/src/terraform.test.ts) derives the calls from the
# module's source and checks that these lists cover them and hold nothing more.
#
# Label conditions: GCP IAM conditions cannot read resource labels (they see resource.name,
# resource.type, resource.service and Resource Manager tags, not labels), so the AWS module's
# "only what carries the managed-by tag" has no exact GCP equivalent. What IAM can enforce is
# done instead: the create/get/delete rights on instances and disks hold only for resources
# named dbaas-* (every VM, boot disk and data disk the Manager makes is named so: labels.ts),
# and the subnetwork right only on this one subnetwork. The list and zone-operation reads are
# project-wide, because GCP checks them on the project, where no name condition applies. The
# managed-by label itself is enforced by the Manager (it lists and deletes by label only).

# role ids: letters, digits, _ and . only
locals {
  role_id_prefix = replace(var.name, "-", "_")

  # the VMs' own rights: write their logs and metrics, nothing else (insertRequest.ts gives
  # them only the logging.write and monitoring.write scopes)
  vm_roles = ["roles/logging.logWriter", "roles/monitoring.metricWriter"]

  # instances.insert (the VM, its metadata, labels and service account; its boot and data
  # disks, with their labels), instances.get, instances.delete (with the auto-deleted boot
  # disk), instances.stop, .start and .setMachineType (stop/start, a flavor change), disks.get
  # and .resize (a storage resize), disks.delete: on dbaas-* instances and disks only (the
  # condition below)
  backend_vm_permissions = [
    "compute.instances.create",
    "compute.instances.get",
    "compute.instances.delete",
    "compute.instances.stop",
    "compute.instances.start",
    "compute.instances.setMachineType",
    "compute.instances.setMetadata",
    "compute.instances.setLabels",
    "compute.instances.setServiceAccount",
    "compute.disks.create",
    "compute.disks.setLabels",
    "compute.disks.get",
    "compute.disks.resize",
    "compute.disks.delete",
  ]

  # instances.list and disks.list (find by label), zoneOperations.wait: checked on the project
  backend_project_permissions = [
    "compute.instances.list",
    "compute.disks.list",
    "compute.zoneOperations.get",
  ]

  # instances.insert attaches the VM to the subnetwork (and an external IP with externalIp)
  backend_subnetwork_permissions  = ["compute.subnetworks.use"]
  backend_external_ip_permissions = ["compute.subnetworks.useExternalIp"]

  backend_vm_condition = join(" || ", [
    "(resource.type == \"compute.googleapis.com/Instance\" && resource.name.extract(\"/instances/{name}\").startsWith(\"${local.managed_name_prefix}\"))",
    "(resource.type == \"compute.googleapis.com/Disk\" && resource.name.extract(\"/disks/{name}\").startsWith(\"${local.managed_name_prefix}\"))",
  ])

  bind_backend = var.backstage_backend_service_account_email != null
}

# --- the VMs' service account ---

resource "google_service_account" "vm" {
  project      = var.project
  account_id   = "${var.name}-vm"
  display_name = "DBaaS database VMs"
  description  = "Attached to the DBaaS Manager's database VMs: writes their logs and metrics, nothing else"

  depends_on = [google_project_service.this]
}

resource "google_project_iam_member" "vm" {
  for_each = toset(local.vm_roles)

  project = var.project
  role    = each.value
  member  = "serviceAccount:${google_service_account.vm.email}"
}

# --- the backend's custom roles ---

resource "google_project_iam_custom_role" "backend_vm" {
  project     = var.project
  role_id     = "${local.role_id_prefix}_backend_vm"
  title       = "DBaaS backend: database VMs and disks"
  description = "Create, read and delete the DBaaS Manager's VMs and disks (granted on dbaas-* names only)"
  permissions = local.backend_vm_permissions
}

resource "google_project_iam_custom_role" "backend_project" {
  project     = var.project
  role_id     = "${local.role_id_prefix}_backend_project"
  title       = "DBaaS backend: find VMs and wait for operations"
  description = "List instances and disks (the DBaaS Manager finds its own by label) and read zone operations"
  permissions = local.backend_project_permissions
}

resource "google_project_iam_custom_role" "backend_subnetwork" {
  project     = local.network_project
  role_id     = "${local.role_id_prefix}_backend_subnetwork"
  title       = "DBaaS backend: attach VMs to the subnetwork"
  description = "Use the DBaaS subnetwork for new VMs (granted on that subnetwork only)"
  permissions = var.external_ip ? concat(local.backend_subnetwork_permissions, local.backend_external_ip_permissions) : local.backend_subnetwork_permissions
}

# --- the grants to the backend (when its service account is given) ---

resource "google_project_iam_member" "backend_vm" {
  count = local.bind_backend ? 1 : 0

  project = var.project
  role    = google_project_iam_custom_role.backend_vm.name
  member  = local.backend_member

  condition {
    title       = "dbaas-managed-names"
    description = "Only instances and disks named ${local.managed_name_prefix}* (IAM conditions cannot read labels)"
    expression  = local.backend_vm_condition
  }
}

resource "google_project_iam_member" "backend_project" {
  count = local.bind_backend ? 1 : 0

  project = var.project
  role    = google_project_iam_custom_role.backend_project.name
  member  = local.backend_member
}

resource "google_compute_subnetwork_iam_member" "backend" {
  count = local.bind_backend ? 1 : 0

  project    = local.network_project
  region     = var.region
  subnetwork = local.subnetwork_name
  role       = google_project_iam_custom_role.backend_subnetwork.name
  member     = local.backend_member
}

# iam.serviceAccounts.actAs on the VMs' service account only (instances.insert attaches it)
resource "google_service_account_iam_member" "backend_act_as" {
  count = local.bind_backend ? 1 : 0

  service_account_id = google_service_account.vm.name
  role               = "roles/iam.serviceAccountUser"
  member             = local.backend_member
}

# compute.images.useReadOnly on a private image project (public ones such as debian-cloud need
# no grant)
resource "google_project_iam_member" "backend_image_user" {
  count = local.bind_backend && var.grant_image_project_access ? 1 : 0

  project = var.image_project
  role    = "roles/compute.imageUser"
  member  = local.backend_member
}
