import { HostSpec, MANAGED_BY } from '@dbaas/plugin-dbaas-node';
import crypto from 'crypto';

export const LABEL_INSTANCE = 'dbaas-instance';
export const LABEL_OWNER = 'dbaas-owner';
export const LABEL_FLAVOR = 'dbaas-flavor';
export const LABEL_MANAGED_BY = 'managed-by';

/**
 * A value as GCE labels allow it: lowercase letters, digits, _ and -, at most 63 characters
 * (`user:default/Jane.Doe` → `user_default_jane_doe`); a longer one keeps a hash of the whole.
 */
export function labelValue(value: string): string {
  const clean = value.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  if (clean.length <= 63) return clean;
  const hash = crypto.createHash('sha256').update(value).digest('hex');
  return `${clean.slice(0, 54)}-${hash.slice(0, 8)}`;
}

/** The VM's name, `dbaas-<instance id>`: a GCE resource name (RFC 1035, at most 57 to leave room for `-data`). */
export function vmName(instanceId: string): string {
  const clean = `dbaas-${instanceId
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')}`.replace(/-+$/, '');
  if (clean.length <= 57) return clean;
  const hash = crypto.createHash('sha256').update(instanceId).digest('hex');
  return `${clean.slice(0, 48)}-${hash.slice(0, 8)}`;
}

/** The data disk's name, and the device name the guest sees it by (/dev/disk/by-id/google-<it>). */
export const dataDiskName = (instanceId: string) =>
  `${vmName(instanceId)}-data`;
export const DATA_DEVICE_NAME = 'dbaas-data';

/** Labels on the VM and its disks; the custom role's conditions key on managed-by. */
export function resourceLabels(
  spec: HostSpec,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    ...extra,
    [LABEL_INSTANCE]: labelValue(spec.instanceId),
    [LABEL_OWNER]: labelValue(spec.owner),
    [LABEL_FLAVOR]: labelValue(spec.flavor.id),
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
}

/** The `instances.list` / `disks.list` filter for one instance's resources. */
export function byInstanceLabel(instanceId: string): string {
  return `(labels.${LABEL_INSTANCE} = "${labelValue(
    instanceId,
  )}") AND (labels.${LABEL_MANAGED_BY} = "${MANAGED_BY}")`;
}

/** Whether a resource's labels say it is this instance's. */
export function isInstanceResource(
  labels: Record<string, string> | null | undefined,
  instanceId: string,
): boolean {
  return (
    labels?.[LABEL_INSTANCE] === labelValue(instanceId) &&
    labels?.[LABEL_MANAGED_BY] === MANAGED_BY
  );
}
