import { Entity } from '@backstage/catalog-model';

export const DBAAS_INSTANCE_ID_ANNOTATION = 'dbaas.backstage.io/instance-id';

/** A `Resource` made by the DBaaS Manager. */
export function isDatabaseEntity(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[DBAAS_INSTANCE_ID_ANNOTATION]);
}

/** Resources the entity depends on (some of which may be databases). */
export function dependedOnResources(entity: Entity): string[] {
  return (entity.relations ?? [])
    .filter(r => r.type === 'dependsOn' && r.targetRef.startsWith('resource:'))
    .map(r => r.targetRef);
}

/** Where the database card belongs: on databases and on what depends on a resource. */
export function showsDatabaseCard(entity: Entity): boolean {
  return isDatabaseEntity(entity) || dependedOnResources(entity).length > 0;
}
