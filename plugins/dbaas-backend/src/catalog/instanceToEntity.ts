import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
} from '@backstage/catalog-model';
import { Instance } from '@dbaas/plugin-dbaas-common';

export const DBAAS_ANNOTATION_PREFIX = 'dbaas.backstage.io';
export const LOCATION = 'dbaas:instances';

/**
 * A database instance as a catalog `Resource` of type `database`. Its name is the
 * instance's, unless another owner's instance has the same: then the id's start follows.
 */
export function instanceToEntity(
  instance: Instance,
  options: { appBaseUrl: string; nameTaken: boolean },
): Entity {
  const name = options.nameTaken
    ? `${instance.name}-${instance.id.slice(0, 8)}`
    : instance.name;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      title: instance.name,
      description: `${instance.engine} ${instance.version} database (${instance.flavorId}) on the ${instance.runtime} runtime`,
      annotations: {
        [ANNOTATION_LOCATION]: LOCATION,
        [ANNOTATION_ORIGIN_LOCATION]: LOCATION,
        [`${DBAAS_ANNOTATION_PREFIX}/instance-id`]: instance.id,
        [`${DBAAS_ANNOTATION_PREFIX}/flavor`]: instance.flavorId,
        [`${DBAAS_ANNOTATION_PREFIX}/engine`]: instance.engine,
        [`${DBAAS_ANNOTATION_PREFIX}/runtime`]: instance.runtime,
        [`${DBAAS_ANNOTATION_PREFIX}/status`]: instance.status,
      },
      tags: [instance.engine],
      links: [
        {
          url: `${options.appBaseUrl}/dbaas/instances/${instance.id}`,
          title: 'Database instance',
          icon: 'dashboard',
        },
      ],
    },
    spec: {
      type: 'database',
      owner: instance.owner,
      ...(instance.component ? { dependencyOf: [instance.component] } : {}),
    },
  };
}
