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
import {
  DBAAS_INSTANCE_RESOURCE_TYPE,
  dbaasAdminPermission,
  dbaasInstanceCreateAnyOwnerPermission,
} from '@dbaas/plugin-dbaas-common';

/** Members of this group are the portal's platform admins. */
export const PLATFORM_ADMINS = 'group:default/platform-admins';

const ADMIN_ONLY = [
  dbaasInstanceCreateAnyOwnerPermission.name,
  dbaasAdminPermission.name,
];

/**
 * The dev portal's policy. DBaaS: any signed-in user may create a database for themselves
 * or their groups; reading, changing, deleting it and reading its password are for its
 * owners (the user and their groups). Platform admins may do all of it for anyone, and
 * operate the Manager (re-seal secrets). The rest of the portal is open, as in a fresh
 * Backstage app. Service principals never reach a policy: the Manager decides for them
 * with dbaas.serviceAccess.
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
    if (user.info.ownershipEntityRefs.includes(PLATFORM_ADMINS)) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (ADMIN_ONLY.includes(request.permission.name)) {
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
