import { protos } from '@google-cloud/compute';
import { HostRef, SecretSealer, volumeName } from '@dbaas/plugin-dbaas-node';
import { GceRuntimeConfig } from './config';
import { dataDiskName, vmName } from './labels';
import { SshKeyPair, sshKeyPairFromSeed } from '@dbaas/plugin-dbaas-node';

/** The instance's SSH key pair, derived from the Manager's key: the same on every retry. */
export function instanceKeyPair(
  secretBox: SecretSealer,
  instanceId: string,
): SshKeyPair {
  return sshKeyPairFromSeed(
    secretBox.derive(`gce-ssh-key:${instanceId}`),
    vmName(instanceId),
  );
}

/** The VM's address the Manager and clients use: its internal IP, or its external one when configured. */
export function vmAddress(
  config: Pick<GceRuntimeConfig, 'externalIp'>,
  vm: protos.google.cloud.compute.v1.IInstance | undefined,
): string {
  const nic = vm?.networkInterfaces?.[0];
  const address = config.externalIp
    ? nic?.accessConfigs?.find(a => a.natIP)?.natIP
    : nic?.networkIP;
  return address ?? '';
}

/** What the Manager records for an instance's VM (none: what a crashed create left). */
export function gceHostRef(
  config: Pick<GceRuntimeConfig, 'externalIp' | 'project' | 'sshUser'>,
  secretBox: SecretSealer,
  instanceId: string,
  zone: string | undefined,
  vm: protos.google.cloud.compute.v1.IInstance | undefined,
): HostRef {
  return {
    runtime: 'gce',
    instanceId,
    address: vmAddress(config, vm),
    data: {
      project: config.project,
      zone,
      gceInstanceName: vm?.name ?? undefined,
      dataDisk: dataDiskName(instanceId),
      sshUser: config.sshUser,
      sshPrivateKey: secretBox.seal(
        instanceKeyPair(secretBox, instanceId).privateKey,
      ),
      volume: volumeName(instanceId),
      publishStandardPort: true,
    },
  };
}
