import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  createDbaasInstanceConditionalDecision,
  dbaasInstanceConditions,
} from '@dbaas/plugin-dbaas-backend';
import { DBAAS_INSTANCE_RESOURCE_TYPE } from '@dbaas/plugin-dbaas-common';

/**
 * The dev portal's policy. DBaaS: any signed-in user may create a database; reading,
 * changing, deleting it and reading its password are for its owners (the user and their
 * groups). The rest of the portal is open, as in a fresh Backstage app.
 */
export class DevPortalPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!request.permission.name.startsWith('dbaas.')) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!user?.info.userEntityRef) {
      return { result: AuthorizeResult.DENY };
    }
    if (
      isResourcePermission(request.permission, DBAAS_INSTANCE_RESOURCE_TYPE)
    ) {
      return createDbaasInstanceConditionalDecision(
        request.permission,
        dbaasInstanceConditions.isInstanceOwner({
          claims: user.info.ownershipEntityRefs,
        }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}
