import { createPermission } from '@backstage/plugin-permission-common';

/** The resource type of permissions that act on one database instance. */
export const DBAAS_INSTANCE_RESOURCE_TYPE = 'dbaas-instance';

export const dbaasInstanceCreatePermission = createPermission({
  name: 'dbaas.instance.create',
  attributes: { action: 'create' },
});

/**
 * Creating a database for an owner the caller does not belong to (platform admins).
 * Without it the owner must be the caller or one of the caller's groups.
 */
export const dbaasInstanceCreateAnyOwnerPermission = createPermission({
  name: 'dbaas.instance.create.any-owner',
  attributes: {},
});

export const dbaasInstanceReadPermission = createPermission({
  name: 'dbaas.instance.read',
  attributes: { action: 'read' },
  resourceType: DBAAS_INSTANCE_RESOURCE_TYPE,
});

export const dbaasInstanceUpdatePermission = createPermission({
  name: 'dbaas.instance.update',
  attributes: { action: 'update' },
  resourceType: DBAAS_INSTANCE_RESOURCE_TYPE,
});

export const dbaasInstanceDeletePermission = createPermission({
  name: 'dbaas.instance.delete',
  attributes: { action: 'delete' },
  resourceType: DBAAS_INSTANCE_RESOURCE_TYPE,
});

/**
 * Reading an instance's password: granted separately and audited. It has no `action`
 * attribute on purpose, so a policy that allows every `read` does not hand out passwords.
 */
export const dbaasInstanceCredentialsReadPermission = createPermission({
  name: 'dbaas.instance.credentials.read',
  attributes: {},
  resourceType: DBAAS_INSTANCE_RESOURCE_TYPE,
});

/** Taking and deleting an instance's backups; reading them needs only `dbaas.instance.read`. */
export const dbaasInstanceBackupPermission = createPermission({
  name: 'dbaas.instance.backup',
  attributes: {},
  resourceType: DBAAS_INSTANCE_RESOURCE_TYPE,
});

/**
 * Restoring an instance's backups into a new database (checked on the source; the new one's
 * owner is checked as for any create).
 */
export const dbaasInstanceRestorePermission = createPermission({
  name: 'dbaas.instance.restore',
  attributes: {},
  resourceType: DBAAS_INSTANCE_RESOURCE_TYPE,
});

/** Stopping, starting and restarting an instance (day-2 operations). */
export const dbaasInstanceOperatePermission = createPermission({
  name: 'dbaas.instance.operate',
  attributes: {},
  resourceType: DBAAS_INSTANCE_RESOURCE_TYPE,
});

/** Operating the Manager itself: re-sealing secrets under a new key. */
export const dbaasAdminPermission = createPermission({
  name: 'dbaas.admin',
  attributes: {},
});

export const dbaasPermissions = [
  dbaasInstanceCreatePermission,
  dbaasInstanceCreateAnyOwnerPermission,
  dbaasInstanceReadPermission,
  dbaasInstanceUpdatePermission,
  dbaasInstanceDeletePermission,
  dbaasInstanceCredentialsReadPermission,
  dbaasInstanceBackupPermission,
  dbaasInstanceRestorePermission,
  dbaasInstanceOperatePermission,
  dbaasAdminPermission,
];
