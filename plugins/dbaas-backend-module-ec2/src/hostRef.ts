import { Instance } from '@aws-sdk/client-ec2';
import { HostRef, SecretSealer, volumeName } from '@dbaas/plugin-dbaas-node';
import { Ec2RuntimeConfig } from './config';
import { SshKeyPair, sshKeyPairFromSeed } from '@dbaas/plugin-dbaas-node';
import { keyPairName } from './tags';

/** The instance's SSH key pair, derived from the Manager's key: the same on every retry. */
export function instanceKeyPair(
  secretBox: SecretSealer,
  instanceId: string,
): SshKeyPair {
  return sshKeyPairFromSeed(
    secretBox.derive(`ec2-ssh-key:${instanceId}`),
    keyPairName(instanceId),
  );
}

/** What the Manager records for an instance's VM (none: what a crashed launch left). */
export function ec2HostRef(
  config: Pick<Ec2RuntimeConfig, 'addressType' | 'region' | 'sshUser'>,
  secretBox: SecretSealer,
  instanceId: string,
  vm: Instance | undefined,
): HostRef {
  return {
    runtime: 'ec2',
    instanceId,
    // empty while a VM has no address yet (or none of the configured type)
    address:
      (config.addressType === 'public'
        ? vm?.PublicIpAddress
        : vm?.PrivateIpAddress) ?? '',
    data: {
      ec2InstanceId: vm?.InstanceId,
      region: config.region,
      keyName: keyPairName(instanceId),
      sshUser: config.sshUser,
      sshPrivateKey: secretBox.seal(
        instanceKeyPair(secretBox, instanceId).privateKey,
      ),
      volume: volumeName(instanceId),
      publishStandardPort: true,
    },
  };
}
