import { createPermission } from '@backstage/plugin-permission-common';

/** The resource type of permissions that act on one database instance. */
export const DBAAS_INSTANCE_RESOURCE_TYPE = 'dbaas-instance';

export const dbaasInstanceCreatePermission = createPermission({
  name: 'dbaas.instance.create',
  attributes: { action: 'create' },
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

/** Reading an instance's password: granted separately and audited. */
export const dbaasInstanceCredentialsReadPermission = createPermission({
  name: 'dbaas.instance.credentials.read',
  attributes: { action: 'read' },
  resourceType: DBAAS_INSTANCE_RESOURCE_TYPE,
});

export const dbaasPermissions = [
  dbaasInstanceCreatePermission,
  dbaasInstanceReadPermission,
  dbaasInstanceUpdatePermission,
  dbaasInstanceDeletePermission,
  dbaasInstanceCredentialsReadPermission,
];
