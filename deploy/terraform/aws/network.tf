# Either an existing VPC and subnets (vpc_id, subnet_ids) or, with create_vpc, a small VPC with
# one private subnet per availability zone. The VMs never get public addresses from this module:
# with a created VPC they reach the outside (a Debian mirror for apt, image registries) through a
# single NAT gateway, unless create_nat_gateway is false and a proxy or mirrors stand in for it.

data "aws_availability_zones" "available" {
  count = var.create_vpc ? 1 : 0
  state = "available"
}

locals {
  availability_zones = var.create_vpc ? slice(
    data.aws_availability_zones.available[0].names, 0,
    min(var.availability_zone_count, length(data.aws_availability_zones.available[0].names)),
  ) : []
  create_nat = var.create_vpc && var.create_nat_gateway

  vpc_id     = var.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  subnet_ids = var.create_vpc ? aws_subnet.private[*].id : var.subnet_ids
}

resource "aws_vpc" "this" {
  count = var.create_vpc ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

resource "aws_subnet" "private" {
  count = length(local.availability_zones)

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = local.availability_zones[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, count.index)
  map_public_ip_on_launch = false

  tags = { Name = "${var.name}-private-${local.availability_zones[count.index]}" }
}

resource "aws_route_table" "private" {
  count = var.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = { Name = "${var.name}-private" }
}

resource "aws_route_table_association" "private" {
  count = length(aws_subnet.private)

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[0].id
}

# --- optional egress: one public subnet, an internet gateway, one NAT gateway ---

resource "aws_subnet" "public" {
  count = local.create_nat ? 1 : 0

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = local.availability_zones[0]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, 15)
  map_public_ip_on_launch = false

  tags = { Name = "${var.name}-public-nat" }
}

resource "aws_internet_gateway" "this" {
  count = local.create_nat ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = { Name = var.name }
}

resource "aws_route_table" "public" {
  count = local.create_nat ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = { Name = "${var.name}-public" }
}

resource "aws_route" "public_internet" {
  count = local.create_nat ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = local.create_nat ? 1 : 0

  subnet_id      = aws_subnet.public[0].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_eip" "nat" {
  count = local.create_nat ? 1 : 0

  domain = "vpc"

  tags = { Name = "${var.name}-nat" }

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.create_nat ? 1 : 0

  allocation_id = aws_eip.nat[0].id
  subnet_id     = aws_subnet.public[0].id

  tags = { Name = var.name }

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route" "private_nat" {
  count = local.create_nat ? 1 : 0

  route_table_id         = aws_route_table.private[0].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[0].id
}
