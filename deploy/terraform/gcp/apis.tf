# The APIs the module's resources and the Manager use. Never disabled on destroy: other things
# in the project may use them too.

locals {
  apis = concat(
    ["compute.googleapis.com", "iam.googleapis.com"],
    var.create_kms_key ? ["cloudkms.googleapis.com"] : [],
  )
}

resource "google_project_service" "this" {
  for_each = var.enable_apis ? toset(local.apis) : toset([])

  project            = var.project
  service            = each.value
  disable_on_destroy = false
}
