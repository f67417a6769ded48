import { Ec2RuntimeConfig } from './config';

export const DATA_LABEL = 'dbaas-data';

/**
 * Finds the data volume (sdf/xvdf on Xen; on Nitro the EBS NVMe disk that is not the root
 * disk, never an instance-store disk), formats it once, and mounts it at /var/lib/docker so
 * every Docker volume lives on the encrypted EBS volume. bootcmd runs on every boot.
 */
const MOUNT_DATA_VOLUME = `set -eu
mountpoint -q /var/lib/docker && exit 0
dev=""
for i in $(seq 1 90); do
  for c in /dev/sdf /dev/xvdf; do [ -b "$c" ] && dev="$c" && break 2; done
  root="$(lsblk -no PKNAME "$(findmnt -no SOURCE /)" 2>/dev/null || true)"
  for link in /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_*; do
    [ -e "$link" ] || continue
    case "$link" in *-part*|*_[0-9]) continue ;; esac
    c="$(readlink -f "$link")"
    [ -b "$c" ] && [ "\${c#/dev/}" != "$root" ] && dev="$c" && break 2
  done
  sleep 2
done
[ -n "$dev" ] || { echo "dbaas: no data volume found" >&2; exit 1; }
# formatted only when it holds no file system at all (blkid -p: exit 2), never on a probe error
probe=0; blkid -p "$dev" >/dev/null 2>&1 || probe=$?
[ "$probe" != 2 ] || mkfs.ext4 -q -L ${DATA_LABEL} "$dev"
[ "$probe" = 0 ] || [ "$probe" = 2 ] || { echo "dbaas: cannot probe $dev (blkid exit $probe)" >&2; exit 1; }
mkdir -p /var/lib/docker
grep -q "LABEL=${DATA_LABEL}" /etc/fstab || echo "LABEL=${DATA_LABEL} /var/lib/docker ext4 defaults,nofail 0 2" >> /etc/fstab
mount /var/lib/docker`;

export interface UserDataInput {
  instanceId: string;
  publicKey: string;
}

/**
 * cloud-init user-data for a database VM: the Manager's SSH user (in the docker group,
 * key only), the data volume, Docker from the distribution's packages with the
 * configured mirrors, and no Docker API on the network: the Manager reaches it over SSH.
 */
export function renderUserData(
  input: UserDataInput,
  config: Pick<
    Ec2RuntimeConfig,
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
  const cloudConfig = {
    groups: ['docker'],
    users: [
      'default',
      {
        name: config.sshUser,
        groups: ['docker'],
        shell: '/bin/bash',
        lock_passwd: true,
        ssh_authorized_keys: [input.publicKey],
      },
    ],
    bootcmd: [MOUNT_DATA_VOLUME],
    write_files: [
      {
        path: '/etc/docker/daemon.json',
        permissions: '0644',
        content: `${JSON.stringify(daemon, null, 2)}\n`,
      },
      {
        // no data volume, no Docker: never put a database on the root disk
        path: '/etc/systemd/system/docker.service.d/10-dbaas-data.conf',
        permissions: '0644',
        content: '[Unit]\nConditionPathIsMountPoint=/var/lib/docker\n',
      },
      {
        path: '/etc/ssh/sshd_config.d/50-dbaas.conf',
        permissions: '0644',
        content: 'PasswordAuthentication no\nPermitRootLogin no\n',
      },
    ],
    // Recommends would add git, needrestart and more to a database host
    apt: { conf: 'APT::Install-Recommends "false";\n' },
    package_update: true,
    packages: ['docker.io'],
    // sshd starts after cloud-init's network stage has written its drop-in, so it needs no
    // reload; and nothing may restart sshd or Docker once Docker answers the Manager
    runcmd: [
      'systemctl enable --now docker 2>/dev/null || service docker start',
    ],
  };
  // JSON is YAML: cloud-init reads it, and nothing here needs escaping by hand
  return `#cloud-config\n# DBaaS Manager, instance ${
    input.instanceId
  }\n${JSON.stringify(cloudConfig, null, 2)}\n`;
}
