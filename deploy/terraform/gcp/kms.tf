# Optional CMEK for the VMs' data disks (create_kms_key, or an existing kms_key_name). The
# Manager puts the key's name in the data disk's diskEncryptionKey (insertRequest.ts); the
# backend itself needs no KMS permission — the project's Compute Engine service agent uses the
# key, so it is the one granted roles/cloudkms.cryptoKeyEncrypterDecrypter on it. Without a key
# the disks use Google-managed encryption.
#
# A Cloud KMS key cannot be deleted, and destroying its versions makes every disk encrypted
# with it unreadable: the created key is protected by prevent_destroy (remove it from the state
# with `terraform state rm` if you really mean to drop it).

locals {
  # Known at plan time (from variables only), so it can drive count.
  use_kms_key  = var.create_kms_key || var.kms_key_name != null
  kms_key_name = var.create_kms_key ? google_kms_crypto_key.disks[0].id : var.kms_key_name
}

resource "google_kms_key_ring" "disks" {
  count = var.create_kms_key ? 1 : 0

  project  = var.project
  name     = "${var.name}-disks"
  location = var.region

  depends_on = [google_project_service.this]
}

resource "google_kms_crypto_key" "disks" {
  count = var.create_kms_key ? 1 : 0

  name            = "${var.name}-data-disks"
  key_ring        = google_kms_key_ring.disks[0].id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = var.kms_key_rotation_period

  lifecycle {
    prevent_destroy = true
  }
}

resource "google_kms_crypto_key_iam_member" "compute_service_agent" {
  count = local.use_kms_key ? 1 : 0

  crypto_key_id = local.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = local.compute_service_agent
}
