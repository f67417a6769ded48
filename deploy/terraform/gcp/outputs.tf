# Outputs are named exactly after the app-config keys under dbaas.runtimes.gce
# (plugins/dbaas-backend-module-gce/src/config.ts, GCE_CONFIG_KEYS); a test
# (plugins/dbaas-backend-module-gce/src/terraform.test.ts) keeps them in step.

output "project" {
  description = "dbaas.runtimes.gce.project"
  value       = var.project
}

output "zones" {
  description = "dbaas.runtimes.gce.zones: tried in order"
  value       = var.zones
}

output "network" {
  description = "dbaas.runtimes.gce.network (a partial URL, so a Shared VPC host project is named)"
  value       = local.network_url
}

output "subnetwork" {
  description = "dbaas.runtimes.gce.subnetwork (a partial URL)"
  value       = local.subnetwork_url
}

output "serviceAccountEmail" {
  description = "dbaas.runtimes.gce.serviceAccountEmail: the VMs' service account (the firewall rules target it)"
  value       = google_service_account.vm.email
}

output "kmsKeyName" {
  description = "dbaas.runtimes.gce.kmsKeyName: the data disks' key (created, or kms_key_name); null for Google-managed encryption"
  value       = local.use_kms_key ? local.kms_key_name : null
}

output "externalIp" {
  description = "dbaas.runtimes.gce.externalIp"
  value       = var.external_ip
}

output "imageFamily" {
  description = "dbaas.runtimes.gce.imageFamily"
  value       = var.image_family
}

output "imageProject" {
  description = "dbaas.runtimes.gce.imageProject"
  value       = var.image_project
}

output "appConfig" {
  description = "The dbaas.runtimes.gce block made from the outputs above, ready to paste into app-config.production.yaml"
  value = yamlencode({
    dbaas = {
      runtimes = {
        gce = {
          for key, value in {
            project             = var.project
            zones               = var.zones
            network             = local.network_url
            subnetwork          = local.subnetwork_url
            serviceAccountEmail = google_service_account.vm.email
            kmsKeyName          = local.use_kms_key ? local.kms_key_name : null
            externalIp          = var.external_ip
            imageFamily         = var.image_family
            imageProject        = var.image_project
          } : key => value if value != null
        }
      }
    }
  })
}
