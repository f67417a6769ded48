#!/usr/bin/env bash
# Smoke test of the EC2 stand-in: boots one stand-in VM (standInVm.ts) with a sample cloud-config
# that makes user dbaas, formats and mounts the data volume at /var/lib/docker, points Docker at
# the local registry mirror and installs docker.io from apt; then checks from the host that
# `ssh dbaas@vm docker info` works, that `docker pull dbaas/postgresql:15` in the VM comes from
# the mirror, and that a port the VM publishes answers. Prints how long boot -> Docker took.
# Needs root, dockerd, scripts/ci/ec2-standin/build.sh and scripts/ci/start-registry.sh.
#   scripts/ci/ec2-standin/smoke.sh        KEEP=1 leaves the VM running
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib/toolchain.sh
ensure_node

name="dbaas-smoke-$$"
work="$(mktemp -d)"
util=./plugins/dbaas-node/src/testUtils/standInVm.ts
vm() { node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs -e "$1"; }
cleanup() {
  [ "${KEEP:-}" = 1 ] && { echo "smoke: kept $name (key: $work/key)"; return; }
  vm "require('$util').removeStandInVms('$name')" || true
  rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -C smoke -f "$work/key"
mirror="$(vm "process.stdout.write(require('$util').registryMirrorAddress())")"
cat > "$work/user-data" << EOF
#cloud-config
groups: [docker]
users:
  - name: dbaas
    groups: [docker]
    shell: /bin/bash
    sudo: ALL=(ALL) NOPASSWD:ALL
    ssh_authorized_keys: ["$(cat "$work/key.pub")"]
fs_setup:
  - {label: dbaas-data, filesystem: ext4, device: /dev/xvdf}
mounts:
  - [/dev/xvdf, /var/lib/docker, ext4, "defaults,nofail", "0", "2"]
write_files:
  - path: /etc/docker/daemon.json
    content: |
      {"registry-mirrors": ["http://$mirror"], "insecure-registries": ["$mirror"]}
apt:
  conf: |
    APT::Install-Recommends "false";
package_update: true
packages: [docker.io]
runcmd:
  - [systemctl, enable, --now, docker]
EOF

start=$(date +%s)
address="$(vm "
  const { startStandInVm } = require('$util');
  const fs = require('fs');
  startStandInVm({
    name: '$name',
    userData: fs.readFileSync('$work/user-data', 'utf8'),
    metaData: { instanceId: 'i-$name', hostname: '$name', publicKeys: [fs.readFileSync('$work/key.pub', 'utf8').trim()] },
    dataDiskGiB: 10,
  }).then(vm => process.stdout.write(vm.address), e => { console.error(e); process.exit(1); });
")"
echo "smoke: $name is up at $address (mirror $mirror)"

ssh_vm() {
  ssh -q -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o ConnectTimeout=3 -o BatchMode=yes "dbaas@$address" "$@"
}
until ssh_vm docker info > /dev/null 2>&1; do
  [ $(($(date +%s) - start)) -lt 900 ] || { echo "smoke: Docker not ready after 900 s" >&2; docker exec "$name" tail -n 30 /var/log/cloud-init-output.log >&2; exit 1; }
  sleep 2
done
echo "smoke: boot -> 'ssh dbaas@$address docker info' ok in $(($(date +%s) - start)) s"
ssh_vm docker info --format '"{{.Driver}} on {{.DriverStatus}}, mirrors {{.RegistryConfig.Mirrors}}"'
ssh_vm 'findmnt -no SOURCE,FSTYPE /var/lib/docker; sudo blkid /dev/xvdf'

registry_log="${XDG_CACHE_HOME:-$HOME/.cache}/dbaas-backstage/registry.log"
seen=$(wc -l < "$registry_log")
pulled=$(date +%s)
ssh_vm docker pull -q dbaas/postgresql:15
echo "smoke: pulled in $(($(date +%s) - pulled)) s"
tail -n +$((seen + 1)) "$registry_log" | grep -q "^$address .*/v2/dbaas/postgresql/manifests/" \
  || { echo "smoke: the local registry saw no pull from $address" >&2; exit 1; }
echo "smoke: the pull went through the mirror (registry log)"

ssh_vm docker run -d --name pg -p 5432:5432 -e DBAAS_DATABASE=app -e DBAAS_USER=app \
  -e DBAAS_PASSWORD=smoke -e DBAAS_ADMIN_PASSWORD=smoke dbaas/postgresql:15 > /dev/null
# PostgreSQL answers an SSLRequest with one byte, N or S
for _ in $(seq 1 60); do
  answer="$(timeout 3 bash -c "exec 3<>/dev/tcp/$address/5432; printf '\0\0\0\10\4\322\26\57' >&3; head -c1 <&3" 2> /dev/null || true)"
  [ -n "$answer" ] && break
  sleep 1
done
[ "$answer" = N ] || [ "$answer" = S ] || { echo "smoke: no PostgreSQL at $address:5432" >&2; exit 1; }
echo "smoke: PostgreSQL in the VM answers at $address:5432"
docker exec "$name" cloud-init status --long | sed 's/^/smoke: /'
