import { GceRuntimeConfig } from './config';

export const DATA_LABEL = 'dbaas-data';

export interface StartupScriptInput {
  instanceId: string;
  /** The data disk's device name: the guest sees it at /dev/disk/by-id/google-<deviceName>. */
  deviceName: string;
}

/**
 * The VM's `startup-script`, run as root by the guest agent on every boot: the Manager's SSH
 * user (in the docker group; its key comes from the `ssh-keys` metadata), the data disk found
 * by its `google-` device id, formatted once and mounted at /var/lib/docker, and Docker from
 * Debian's own packages with the configured mirrors. Docker starts only on the mounted disk,
 * and its API stays off the network: the Manager reaches it over SSH. Safe to run again.
 */
export function renderStartupScript(
  input: StartupScriptInput,
  config: Pick<
    GceRuntimeConfig,
    'sshUser' | 'registryMirrors' | 'insecureRegistries'
  >,
): string {
  const daemon = {
    'registry-mirrors': config.registryMirrors,
    'insecure-registries': config.insecureRegistries,
    'log-driver': 'json-file',
    'log-opts': { 'max-size': '10m', 'max-file': '3' },
    'live-restore': true,
  };
  const device = `/dev/disk/by-id/google-${input.deviceName}`;
  return `#!/bin/bash
# DBaaS Manager, instance ${input.instanceId}
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# the data disk, by its stable device id; never put a database on the boot disk
dev=${device}
for i in $(seq 1 90); do [ -b "$dev" ] && break; sleep 2; done
[ -b "$dev" ] || { echo "dbaas: data disk $dev not found" >&2; exit 1; }
# formatted only when it holds no file system at all (blkid -p: exit 2), never on a probe error
probe=0; blkid -p "$dev" >/dev/null 2>&1 || probe=$?
[ "$probe" != 2 ] || mkfs.ext4 -q -L ${DATA_LABEL} "$dev"
[ "$probe" = 0 ] || [ "$probe" = 2 ] || { echo "dbaas: cannot probe $dev (blkid exit $probe)" >&2; exit 1; }
mkdir -p /var/lib/docker
grep -q "LABEL=${DATA_LABEL}" /etc/fstab || echo "LABEL=${DATA_LABEL} /var/lib/docker ext4 defaults,nofail 0 2" >> /etc/fstab
mountpoint -q /var/lib/docker || mount /var/lib/docker

mkdir -p /etc/docker /etc/systemd/system/docker.service.d /etc/ssh/sshd_config.d
cat > /etc/docker/daemon.json <<'DBAAS_EOF'
${JSON.stringify(daemon, null, 2)}
DBAAS_EOF
cat > /etc/systemd/system/docker.service.d/10-dbaas-data.conf <<'DBAAS_EOF'
[Unit]
ConditionPathIsMountPoint=/var/lib/docker
DBAAS_EOF
cat > /etc/ssh/sshd_config.d/50-dbaas.conf <<'DBAAS_EOF'
PasswordAuthentication no
PermitRootLogin no
DBAAS_EOF

# Docker from Debian's packages, without Recommends
if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends docker.io
fi
getent group docker >/dev/null || groupadd docker
id -u ${config.sshUser} >/dev/null 2>&1 || useradd -m -s /bin/bash ${
    config.sshUser
  }
usermod -aG docker ${config.sshUser}
systemctl daemon-reload
systemctl enable --now docker
`;
}
