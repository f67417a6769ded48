# The database VMs' security group: engine ports from the clients (and the backend, which probes
# them), SSH only from the Backstage backend — the Manager drives Docker on the VM over SSH.

locals {
  database_ports = toset([for p in var.database_ports : tostring(p)])

  # one rule per (port, client CIDR)
  database_client_rules = {
    for pair in setproduct(local.database_ports, var.database_client_cidrs) :
    "${pair[0]}-${pair[1]}" => { port = tonumber(pair[0]), cidr = pair[1] }
  }
  backend_database_cidr_rules = {
    for pair in setproduct(local.database_ports, var.backend_database_access ? var.backstage_backend_cidrs : []) :
    "${pair[0]}-${pair[1]}" => { port = tonumber(pair[0]), cidr = pair[1] }
  }
  backend_has_security_group = var.backstage_backend_security_group_id != null

  security_group_ids = concat([aws_security_group.database.id], var.additional_security_group_ids)
}

resource "aws_security_group" "database" {
  name_prefix = "${var.name}-vm-"
  description = "DBaaS database VMs: engine ports from clients, SSH from the Backstage backend only"
  vpc_id      = local.vpc_id

  tags = { Name = "${var.name}-vm" }

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.create_vpc || (var.vpc_id != null && length(var.subnet_ids) > 0)
      error_message = "Set create_vpc = true, or give vpc_id and at least one of its subnet_ids."
    }
    precondition {
      condition     = var.backstage_backend_security_group_id != null || length(var.backstage_backend_cidrs) > 0
      error_message = "Set backstage_backend_security_group_id and/or backstage_backend_cidrs: the Manager reaches the VMs over SSH from the backend only."
    }
  }
}

# --- SSH (22): the Backstage backend only ---

resource "aws_vpc_security_group_ingress_rule" "ssh_from_backend_sg" {
  count = local.backend_has_security_group ? 1 : 0

  security_group_id            = aws_security_group.database.id
  description                  = "SSH from the Backstage backend (DBaaS Manager)"
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22
  referenced_security_group_id = var.backstage_backend_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "ssh_from_backend_cidr" {
  for_each = toset(var.backstage_backend_cidrs)

  security_group_id = aws_security_group.database.id
  description       = "SSH from the Backstage backend (DBaaS Manager)"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
}

# --- database ports: clients, and the backend's health probes ---

resource "aws_vpc_security_group_ingress_rule" "database_from_clients" {
  for_each = local.database_client_rules

  security_group_id = aws_security_group.database.id
  description       = "Database clients"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = strcontains(each.value.cidr, ":") ? null : each.value.cidr
  cidr_ipv6         = strcontains(each.value.cidr, ":") ? each.value.cidr : null
}

resource "aws_vpc_security_group_ingress_rule" "database_from_backend_sg" {
  for_each = var.backend_database_access && local.backend_has_security_group ? local.database_ports : toset([])

  security_group_id            = aws_security_group.database.id
  description                  = "Backstage backend: readiness and health checks"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = var.backstage_backend_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_backend_cidr" {
  for_each = local.backend_database_cidr_rules

  security_group_id = aws_security_group.database.id
  description       = "Backstage backend: readiness and health checks"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = strcontains(each.value.cidr, ":") ? null : each.value.cidr
  cidr_ipv6         = strcontains(each.value.cidr, ":") ? each.value.cidr : null
}

# --- egress ---

resource "aws_vpc_security_group_egress_rule" "all" {
  for_each = toset(var.egress_cidr_blocks)

  security_group_id = aws_security_group.database.id
  description       = "Outbound: apt, image registries, DNS"
  ip_protocol       = "-1"
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
}
