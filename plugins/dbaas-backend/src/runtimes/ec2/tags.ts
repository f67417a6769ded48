import { Tag } from '@aws-sdk/client-ec2';
import { HostSpec } from '../types';

export const TAG_MANAGED_BY = 'dbaas.backstage.io/managed-by';
export const MANAGED_BY = 'backstage-dbaas';
export const TAG_INSTANCE = 'dbaas.backstage.io/instance-id';
export const TAG_OWNER = 'dbaas.backstage.io/owner';
export const TAG_FLAVOR = 'dbaas.backstage.io/flavor';

export const keyPairName = (instanceId: string) => `dbaas-${instanceId}`;

/** Tags on the VM, its volume and its key pair; the IAM policy keys on managed-by. */
export function resourceTags(
  spec: HostSpec,
  extra: Record<string, string>,
): Tag[] {
  const tags: Record<string, string> = {
    ...extra,
    Name: `dbaas-${spec.instanceName}`,
    [TAG_MANAGED_BY]: MANAGED_BY,
    [TAG_INSTANCE]: spec.instanceId,
    [TAG_OWNER]: spec.owner,
    [TAG_FLAVOR]: spec.flavor.id,
  };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** DescribeInstances / DescribeVolumes filter for one instance's resources. */
export function byInstanceTag(instanceId: string) {
  return [
    { Name: `tag:${TAG_INSTANCE}`, Values: [instanceId] },
    { Name: `tag:${TAG_MANAGED_BY}`, Values: [MANAGED_BY] },
  ];
}
