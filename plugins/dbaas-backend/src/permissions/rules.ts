import {
  DBAAS_INSTANCE_RESOURCE_TYPE,
  Instance,
} from '@dbaas/plugin-dbaas-common';
import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { z } from 'zod';

/** Store filter a condition can turn into. */
export interface InstanceQuery {
  owners?: string[];
}

export const dbaasInstanceResourceRef = createPermissionResourceRef<
  Instance,
  InstanceQuery
>().with({ pluginId: 'dbaas', resourceType: DBAAS_INSTANCE_RESOURCE_TYPE });

/** Matches instances owned by one of the given entity refs (a user's ownership claims). */
const claimsSchema = z.object({
  claims: z
    .array(z.string())
    .describe('Entity refs, e.g. the user and their groups'),
});

export const isInstanceOwner = createPermissionRule<
  typeof dbaasInstanceResourceRef,
  { claims: string[] }
>({
  name: 'IS_INSTANCE_OWNER',
  description: 'Allow database instances owned by one of the given entity refs',
  resourceRef: dbaasInstanceResourceRef,
  // a zod v3 schema: its type is too deep for the overloads of createPermissionRule to infer
  paramsSchema: claimsSchema as any,
  apply: (instance, { claims }) => claims.includes(instance.owner),
  toQuery: ({ claims }) => ({ owners: claims }),
});

export const dbaasInstanceRules = { isInstanceOwner };

/** For permission policies: `dbaasInstanceConditions.isInstanceOwner({ claims })`. */
export const {
  conditions: dbaasInstanceConditions,
  createConditionalDecision: createDbaasInstanceConditionalDecision,
} = createConditionExports({
  resourceRef: dbaasInstanceResourceRef,
  rules: dbaasInstanceRules,
});
