import { Entity, parseEntityRef } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';

/**
 * The users and groups of a test catalog: each user ref with the group refs they are a
 * member of. Groups named only as memberships exist too.
 */
export type Memberships = Record<string, string[]>;

export const defaultMemberships: Memberships = {
  'user:default/alice': ['group:default/team-a', 'group:default/small-team'],
  'user:default/bob': ['group:default/team-b'],
};

/** User and Group entities with their memberOf relations, as the catalog would process them. */
export function orgEntities(memberships: Memberships = defaultMemberships) {
  const groups = new Set(Object.values(memberships).flat());
  const entity = (ref: string, extra: Partial<Entity> = {}): Entity => {
    const { kind, namespace, name } = parseEntityRef(ref);
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: kind === 'user' ? 'User' : 'Group',
      metadata: { name, namespace },
      spec: {},
      ...extra,
    };
  };
  return [
    ...Object.entries(memberships).map(([user, memberOf]) =>
      entity(user, {
        relations: memberOf.map(targetRef => ({ type: 'memberOf', targetRef })),
      }),
    ),
    ...[...groups].map(group => entity(group)),
  ];
}

/** The catalog service of a test backend, holding the test org and any other `entities`. */
export function testCatalogFactory(
  memberships?: Memberships,
  entities: Entity[] = [],
) {
  return catalogServiceMock.factory({
    entities: [...orgEntities(memberships), ...entities],
  });
}
