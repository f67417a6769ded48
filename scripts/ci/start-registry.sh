#!/usr/bin/env bash
# Starts a local image registry (Debian's docker-registry) on port 5000 on all interfaces,
# unless one answers already, and pushes the flavor images into it as 127.0.0.1:5000/<image>.
# The EC2 stand-in VMs use it as their Docker registry mirror via the bridge gateway
# (e.g. 172.17.0.1:5000), so `docker pull dbaas/postgresql:15` inside a VM needs no Docker Hub.
#
#   scripts/ci/start-registry.sh [image ...]      default: dbaas/postgresql:15 dbaas/mariadb:10.11
set -euo pipefail

dir="${XDG_CACHE_HOME:-$HOME/.cache}/dbaas-backstage"
storage="$dir/registry"
config="$dir/registry.yml"
log="$dir/registry.log"
port=5000
images=("$@")
[ ${#images[@]} -gt 0 ] || images=(dbaas/postgresql:15 dbaas/mariadb:10.11)

answers() { curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null; }

if ! answers; then
  command -v docker-registry > /dev/null \
    || { echo "start-registry: docker-registry is missing (apt-get install docker-registry)" >&2; exit 1; }
  mkdir -p "$storage"
  cat > "$config" << EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $storage
  cache:
    blobdescriptor: inmemory
http:
  addr: 0.0.0.0:$port
EOF
  echo "start-registry: starting docker-registry on :$port (storage: $storage, log: $log)"
  setsid nohup docker-registry serve "$config" > "$log" 2>&1 < /dev/null &
  for _ in $(seq 1 30); do
    answers && break
    sleep 1
  done
  answers || { echo "start-registry: no answer on :$port within 30 s; see $log" >&2; tail -n 20 "$log" >&2; exit 1; }
fi

for image in "${images[@]}"; do
  docker image inspect "$image" > /dev/null 2>&1 \
    || { echo "start-registry: image $image is missing (images/build.sh)" >&2; exit 1; }
  docker tag "$image" "127.0.0.1:$port/$image"
  docker push --quiet "127.0.0.1:$port/$image" > /dev/null
  echo "start-registry: pushed 127.0.0.1:$port/$image"
done
