terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0, < 7.0"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}

# the project's number names the Compute Engine service agent (CMEK)
data "google_project" "this" {
  project_id = var.project
}

locals {
  # Every VM the Manager creates is named dbaas-<instance id>, its boot disk the same, its data
  # disk dbaas-<instance id>-data (labels.ts vmName / dataDiskName): the backend's
  # create/delete rights are limited to names with this prefix.
  managed_name_prefix = "dbaas-"

  # the project networking lives in: this one, or a Shared VPC host project
  network_project = coalesce(var.network_project, var.project)

  # service-<project number>@compute-system.iam.gserviceaccount.com
  compute_service_agent = "serviceAccount:service-${data.google_project.this.number}@compute-system.iam.gserviceaccount.com"

  backend_member = var.backstage_backend_service_account_email == null ? null : "serviceAccount:${var.backstage_backend_service_account_email}"
}
