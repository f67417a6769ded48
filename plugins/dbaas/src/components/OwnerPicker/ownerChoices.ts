import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { IdentityApi } from '@backstage/frontend-plugin-api';
import { CatalogApi } from '@backstage/plugin-catalog-react';

/** An owner the signed-in user may pick for a new database. */
export interface OwnerChoice {
  /** The entity ref the form submits, e.g. `group:default/team-a`. */
  ref: string;
  kind: 'user' | 'group';
  /** The catalog's display name: title, profile display name, or name. */
  title: string;
}

export interface OwnerChoices {
  /** The signed-in user's ref, whether or not the catalog has them. */
  userEntityRef: string;
  /** The user's groups, by title, then the user; the first is the default. */
  choices: OwnerChoice[];
}

const FIELDS = [
  'kind',
  'metadata.namespace',
  'metadata.name',
  'metadata.title',
  'spec.profile.displayName',
];

function choiceOf(entity: Entity): OwnerChoice {
  const profile = (entity.spec?.profile ?? {}) as { displayName?: string };
  return {
    ref: stringifyEntityRef(entity),
    kind: entity.kind.toLocaleLowerCase('en-US') === 'user' ? 'user' : 'group',
    title: entity.metadata.title ?? profile.displayName ?? entity.metadata.name,
  };
}

const lower = (ref: string) => ref.toLocaleLowerCase('en-US');

/**
 * The owners the DBaaS Manager accepts from the signed-in user (without the
 * `dbaas.instance.create.any-owner` permission): the groups they are a member of, by the
 * catalog and by their sign-in, and themselves; only those the catalog knows.
 */
export async function loadOwnerChoices(apis: {
  identityApi: IdentityApi;
  catalogApi: CatalogApi;
}): Promise<OwnerChoices> {
  const { identityApi, catalogApi } = apis;
  const { userEntityRef, ownershipEntityRefs } =
    await identityApi.getBackstageIdentity();

  const [memberOf, user] = await Promise.all([
    catalogApi.getEntities({
      filter: { kind: 'Group', 'relations.hasMember': userEntityRef },
      fields: FIELDS,
    }),
    catalogApi.getEntityByRef(userEntityRef),
  ]);
  const groups = memberOf.items.map(choiceOf);

  // groups the sign-in claims that the catalog's membership does not list
  const known = new Set(groups.map(g => lower(g.ref)));
  const claimed = ownershipEntityRefs.filter(ref => {
    try {
      return (
        parseEntityRef(ref).kind.toLocaleLowerCase('en-US') === 'group' &&
        !known.has(lower(ref))
      );
    } catch {
      return false;
    }
  });
  if (claimed.length) {
    const { items } = await catalogApi.getEntitiesByRefs({
      entityRefs: claimed,
      fields: FIELDS,
    });
    for (const entity of items) {
      if (entity && !known.has(lower(stringifyEntityRef(entity)))) {
        known.add(lower(stringifyEntityRef(entity)));
        groups.push(choiceOf(entity));
      }
    }
  }

  groups.sort(
    (a, b) => a.title.localeCompare(b.title) || a.ref.localeCompare(b.ref),
  );
  return {
    userEntityRef,
    choices: user ? [...groups, choiceOf(user)] : groups,
  };
}

/** The problem with a picked owner, in words for the form, or undefined when it is fine. */
export function ownerProblem(
  owner: string | undefined,
  { userEntityRef, choices }: OwnerChoices,
): string | undefined {
  if (!choices.length) return noChoiceMessage(userEntityRef);
  if (!owner) return 'Pick an owner';
  if (!choices.some(c => lower(c.ref) === lower(owner))) {
    return `You may create databases only for yourself or a group you are a member of; ${owner} is not one of them`;
  }
  return undefined;
}

export function noChoiceMessage(userEntityRef: string): string {
  return `No owner to offer: you (${userEntityRef}) are not a User of the catalog and are a member of no group. Ask your portal's administrators to add you to a team.`;
}

/** `Team A (group:default/team-a)`. */
export function ownerLabel(choice: OwnerChoice): string {
  return `${choice.title} (${choice.ref})`;
}
