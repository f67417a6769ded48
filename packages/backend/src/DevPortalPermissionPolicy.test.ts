import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  dbaasAdminPermission,
  dbaasInstanceCreateAnyOwnerPermission,
  dbaasInstanceCreatePermission,
  dbaasInstanceCredentialsReadPermission,
  dbaasInstanceDeletePermission,
} from '@dbaas/plugin-dbaas-common';
import { DevPortalPermissionPolicy } from './DevPortalPermissionPolicy';

const guest = {
  info: {
    userEntityRef: 'user:default/guest',
    ownershipEntityRefs: ['user:default/guest', 'group:default/guests'],
  },
} as unknown as PolicyQueryUser;

const admin = {
  info: {
    userEntityRef: 'user:default/root',
    ownershipEntityRefs: ['user:default/root', 'group:default/platform-admins'],
  },
} as unknown as PolicyQueryUser;

describe('DevPortalPermissionPolicy', () => {
  const policy = new DevPortalPermissionPolicy();

  it('lets a signed-in user create databases', async () => {
    await expect(
      policy.handle({ permission: dbaasInstanceCreatePermission }, guest),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
  });

  it("limits deleting and reading credentials to the instance's owners", async () => {
    for (const permission of [
      dbaasInstanceDeletePermission,
      dbaasInstanceCredentialsReadPermission,
    ]) {
      await expect(policy.handle({ permission }, guest)).resolves.toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'dbaas',
        resourceType: 'dbaas-instance',
        conditions: {
          rule: 'IS_INSTANCE_OWNER',
          resourceType: 'dbaas-instance',
          params: { claims: ['user:default/guest', 'group:default/guests'] },
        },
      });
    }
  });

  it('keeps creating for any owner and operating the Manager to platform admins', async () => {
    for (const permission of [
      dbaasInstanceCreateAnyOwnerPermission,
      dbaasAdminPermission,
    ]) {
      await expect(policy.handle({ permission }, guest)).resolves.toEqual({
        result: AuthorizeResult.DENY,
      });
      await expect(policy.handle({ permission }, admin)).resolves.toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
    await expect(
      policy.handle({ permission: dbaasInstanceDeletePermission }, admin),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('denies DBaaS actions to callers without a user', async () => {
    await expect(
      policy.handle({ permission: dbaasInstanceCreatePermission }),
    ).resolves.toEqual({ result: AuthorizeResult.DENY });
  });

  it('leaves the rest of the portal open', async () => {
    await expect(
      policy.handle({ permission: catalogEntityReadPermission }),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
  });
});
