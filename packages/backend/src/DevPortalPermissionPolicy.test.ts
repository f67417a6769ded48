import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  dbaasInstanceCreatePermission,
  dbaasInstanceDeletePermission,
} from '@dbaas/plugin-dbaas-common';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import { DevPortalPermissionPolicy } from './DevPortalPermissionPolicy';

const guest = {
  info: { userEntityRef: 'user:development/guest', ownershipEntityRefs: [] },
} as unknown as PolicyQueryUser;

describe('DevPortalPermissionPolicy', () => {
  const policy = new DevPortalPermissionPolicy();

  it('lets a signed-in user create and delete databases', async () => {
    for (const permission of [
      dbaasInstanceCreatePermission,
      dbaasInstanceDeletePermission,
    ]) {
      await expect(policy.handle({ permission }, guest)).resolves.toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
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
