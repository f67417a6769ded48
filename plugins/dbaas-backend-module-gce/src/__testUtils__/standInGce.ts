import { StandInVm, startStandInVm } from '@dbaas/plugin-dbaas-node/testUtils';
import { FakeVmHost } from './fakeCompute';

/** The stand-in VMs' container names: this prefix and the VM's name. */
export const GCE_STAND_IN_PREFIX = 'gce-standin-';

/**
 * What Compute Engine's guest environment does on a Debian image, as cloud-config for the
 * stand-in VM (which boots cloud-init, not Google's guest agent): udev names the data disk
 * /dev/disk/by-id/google-<deviceName>, the `ssh-keys` metadata makes the user with its key,
 * and the `startup-script` metadata runs as root on every boot.
 */
export function guestEnvironment(body: Record<string, any>): string {
  const metadata: Record<string, string> = Object.fromEntries(
    (body.metadata?.items ?? []).map((i: { key: string; value: string }) => [
      i.key,
      i.value,
    ]),
  );
  const separator = metadata['ssh-keys'].indexOf(':');
  const user = metadata['ssh-keys'].slice(0, separator);
  const key = metadata['ssh-keys'].slice(separator + 1);
  const data = body.disks.find((d: { boot?: boolean }) => !d.boot);
  const cloudConfig = {
    bootcmd: [
      `mkdir -p /dev/disk/by-id && ln -sf /dev/xvdf /dev/disk/by-id/google-${data.deviceName}`,
    ],
    users: [
      {
        name: user,
        shell: '/bin/bash',
        lock_passwd: true,
        ssh_authorized_keys: [key],
      },
    ],
    write_files: [
      {
        path: '/var/lib/cloud/scripts/per-boot/google-startup-script',
        permissions: '0755',
        content: metadata['startup-script'],
      },
    ],
  };
  return `#cloud-config\n${JSON.stringify(cloudConfig, null, 2)}\n`;
}

/** Stand-in VMs behind the fake Compute API: each VM a container booted from its insert body. */
export function standInVmHost(): FakeVmHost & { vms: Map<string, StandInVm> } {
  const vms = new Map<string, StandInVm>();
  const vm = (name: string) => {
    const found = vms.get(name);
    if (!found) throw new Error(`no stand-in VM ${name}`);
    return found;
  };
  return {
    vms,
    async create(name, body) {
      const data = body.disks.find((d: { boot?: boolean }) => !d.boot);
      const started = await startStandInVm({
        name: `${GCE_STAND_IN_PREFIX}${name}`,
        userData: guestEnvironment(body),
        metaData: { instanceId: name, hostname: name },
        dataDiskGiB: Number(data.initializeParams.diskSizeGb),
      });
      vms.set(name, started);
      return started.address;
    },
    stop: name => vm(name).stop(),
    async start(name) {
      await vm(name).start();
      return vm(name).address;
    },
    growDataDisk: (name, GiB) => vm(name).growDataDisk(GiB),
    async destroy(name) {
      await vms.get(name)?.destroy();
      vms.delete(name);
    },
  };
}
