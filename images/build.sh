#!/usr/bin/env bash
# Builds every flavor image (one folder per flavor: <engine>-<version>/Dockerfile) with
# versioned tags and OCI labels:  <prefix>/<engine>:<version>  and  <prefix>/<engine>:<version>-<date>.
#
# The base image is debian:bookworm-slim. Where it cannot be pulled (no image registry is
# reachable), it is made from Debian's packages with debootstrap and `docker import`, and the
# tarball is cached, so later builds need neither a registry nor debootstrap.
#
#   images/build.sh [flavor-folder ...]      DBAAS_IMAGE_PREFIX=dbaas (e.g. images.mycompany.example/dbaas)
#   images/build.sh --base-only              only the base image
set -euo pipefail
cd "$(dirname "$0")"

prefix="${DBAAS_IMAGE_PREFIX:-dbaas}"
base=debian:bookworm-slim
cache="${DBAAS_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbaas-backstage/images}"
stamp="$(date -u +%Y%m%d)"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

# The first Debian mirror this machine's apt uses.
debian_mirror() {
  local uri
  uri="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)"
  [ -n "$uri" ] || uri="$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)"
  [ -n "$uri" ] || { echo "build.sh: no Debian mirror found in /etc/apt" >&2; exit 1; }
  echo "$uri"
}

ensure_base() {
  docker image inspect "$base" > /dev/null 2>&1 && return
  if timeout 30 docker pull "$base" > /dev/null 2>&1; then return; fi
  local tarball="$cache/debian-bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap > /dev/null || { echo "build.sh: $base cannot be pulled and debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
    echo "build.sh: $base cannot be pulled; making it with debootstrap (once, cached in $cache)"
    local rootfs
    rootfs="$(mktemp -d)"
    debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" > "$cache.debootstrap.log" 2>&1 \
      || { echo "build.sh: debootstrap failed, see $cache.debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    mkdir -p "$cache"
    tar -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  docker import "$tarball" "$base" > /dev/null
}

build() {
  local dir="$1" engine="${1%-*}" version="${1##*-}"
  local image="$prefix/$engine"
  echo "build.sh: $image:$version"
  docker build --quiet \
    --build-arg BASE_IMAGE="$base" \
    --label org.opencontainers.image.title="$engine $version for the DBaaS Manager" \
    --label org.opencontainers.image.version="$version" \
    --label org.opencontainers.image.created="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --label org.opencontainers.image.revision="$revision" \
    --label org.opencontainers.image.base.name="$base" \
    --label org.opencontainers.image.description="$engine $version from Debian's packages, initialized from DBAAS_* settings" \
    --label io.backstage.dbaas.engine="$engine" \
    --tag "$image:$version" --tag "$image:$version-$stamp" \
    "$dir" > /dev/null
}

mkdir -p "$cache"
ensure_base
# --base-only: just the base image (scripts/build-backend-image.sh builds on it)
[ "${1:-}" = --base-only ] && exit 0
flavors=("$@")
[ ${#flavors[@]} -gt 0 ] || mapfile -t flavors < <(find . -mindepth 2 -maxdepth 2 -name Dockerfile -printf '%h\n' | sed 's#^\./##' | sort)
for flavor in "${flavors[@]}"; do
  build "$flavor"
done
