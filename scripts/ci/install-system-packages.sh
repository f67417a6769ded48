#!/usr/bin/env bash
# Debian packages the tests need; installs only what is missing (needs root on a fresh machine).
set -euo pipefail
wanted=(chromium docker.io debootstrap docker-registry mariadb-backup)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
