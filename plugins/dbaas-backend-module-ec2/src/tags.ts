import { Tag } from '@aws-sdk/client-ec2';
import {
  HostSpec,
  LABEL_FLAVOR as TAG_FLAVOR,
  LABEL_INSTANCE as TAG_INSTANCE,
  LABEL_OWNER as TAG_OWNER,
  MANAGED_BY,
} from '@dbaas/plugin-dbaas-node';

export { MANAGED_BY, TAG_FLAVOR, TAG_INSTANCE, TAG_OWNER };
/** Docker's label is app.kubernetes.io/managed-by; on AWS the key stays in our namespace. */
export const TAG_MANAGED_BY = 'dbaas.backstage.io/managed-by';

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
