import {
  coreServices,
  createServiceFactory,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';

/** The test catalog's users and the refs they own through. */
export const claimsOf: Record<string, string[]> = {
  'user:default/alice': ['user:default/alice', 'group:default/team-a'],
  'user:default/bob': ['user:default/bob', 'group:default/team-b'],
};

/**
 * The portal's owner rule: every instance permission is conditional on IS_INSTANCE_OWNER
 * with the user's claims; creating for any owner is for `user:default/admin` only;
 * everything else is allowed.
 */
const ownerRule: Pick<
  PermissionsService,
  'authorize' | 'authorizeConditional'
> = {
  authorize: async (requests, { credentials }) =>
    requests.map(({ permission }) => ({
      result:
        permission.name !== 'dbaas.instance.create.any-owner' ||
        (credentials.principal as any).userEntityRef === 'user:default/admin'
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
    })),
  authorizeConditional: async (requests, { credentials }) =>
    requests.map(() => ({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'dbaas',
      resourceType: 'dbaas-instance',
      conditions: {
        rule: 'IS_INSTANCE_OWNER',
        resourceType: 'dbaas-instance',
        params: {
          claims: claimsOf[(credentials.principal as any).userEntityRef],
        },
      },
    })) as any,
};

/** A permission service with the owner rule, for tests (its calls are jest mocks). */
export function ownerRulePermissions() {
  return mockServices.permissions.mock(ownerRule);
}

/**
 * The same permission service outside jest (benchmarks), where `user:default/admin` is
 * allowed every instance (an unconditional decision).
 */
export const ownerRulePermissionsFactory = createServiceFactory({
  service: coreServices.permissions,
  deps: {},
  factory: () =>
    ({
      ...ownerRule,
      authorizeConditional: async (requests, options) =>
        (options.credentials.principal as any).userEntityRef ===
        'user:default/admin'
          ? requests.map(() => ({ result: AuthorizeResult.ALLOW }))
          : ownerRule.authorizeConditional(requests, options),
    } as PermissionsService),
});
