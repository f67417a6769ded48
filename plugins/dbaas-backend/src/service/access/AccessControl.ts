import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  BasicPermission,
  PermissionCriteria,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  ConditionTransformer,
  createConditionAuthorizer,
  createConditionTransformer,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { InstanceQuery } from '../../permissions/rules';
import { principalOf } from './principal';
import { ServiceAccessRule, serviceMayUse } from './serviceAccess';

/**
 * Every permission decision of the Manager: the policy for users, the `dbaas.serviceAccess`
 * rules (then the token's `accessRestrictions`) for service principals.
 */
export class AccessControl {
  private readonly authorizeCondition: ReturnType<
    typeof createConditionAuthorizer<Instance, InstanceQuery>
  >;
  private readonly toQuery: ConditionTransformer<InstanceQuery>;

  constructor(
    private readonly deps: {
      permissions: PermissionsService;
      ruleset: PermissionRuleset<Instance, InstanceQuery>;
      serviceAccess: ServiceAccessRule[];
    },
  ) {
    this.authorizeCondition = createConditionAuthorizer(deps.ruleset);
    this.toQuery = createConditionTransformer(deps.ruleset);
  }

  async allows(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ): Promise<boolean> {
    if (this.refusedToService(credentials, permission)) return false;
    const [decision] = await this.deps.permissions.authorize([{ permission }], {
      credentials,
    });
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** The decision for a resource permission, for filtering many instances. */
  async decision(
    credentials: BackstageCredentials,
    permission: ResourcePermission,
  ): Promise<PolicyDecision> {
    if (this.refusedToService(credentials, permission)) {
      return { result: AuthorizeResult.DENY };
    }
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    return decision;
  }

  matches(decision: PolicyDecision, instance: Instance): boolean {
    return this.authorizeCondition(decision, instance);
  }

  /**
   * An ALLOW or CONDITIONAL decision as a store filter: undefined when it allows every
   * instance, else the policy's conditions translated by each rule's `toQuery`.
   */
  queryOf(
    decision: PolicyDecision,
  ): PermissionCriteria<InstanceQuery> | undefined {
    return decision.result === AuthorizeResult.CONDITIONAL
      ? this.toQuery(decision.conditions)
      : undefined;
  }

  async allowsOn(
    credentials: BackstageCredentials,
    permission: ResourcePermission,
    instance: Instance,
  ): Promise<boolean> {
    return this.matches(await this.decision(credentials, permission), instance);
  }

  private refusedToService(
    credentials: BackstageCredentials,
    permission: { name: string },
  ) {
    const principal = principalOf(credentials);
    return (
      principal.type === 'service' &&
      !serviceMayUse(
        this.deps.serviceAccess,
        principal.subject ?? '',
        permission.name,
      )
    );
  }
}
