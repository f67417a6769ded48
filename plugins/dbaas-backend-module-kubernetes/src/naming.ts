import { parseEntityRef } from '@backstage/catalog-model';
import { EngineSpec } from '@dbaas/plugin-dbaas-node';
import { KubernetesRuntimeConfig } from './config';
import { KubernetesInstance, labelValue } from './manifests';

export function instanceOf(
  config: KubernetesRuntimeConfig,
  p: {
    instanceId: string;
    instanceName: string;
    owner: string;
    flavor: EngineSpec['flavor'];
    storageGiB: number;
    namespace: string;
  },
  spec?: Pick<EngineSpec, 'database' | 'username'>,
): KubernetesInstance {
  return {
    ...p,
    storageClassName: config.storageClassName,
    serviceType: config.serviceType,
    database: spec?.database ?? '',
    username: spec?.username ?? '',
  };
}

/** The namespace of an owner's instances, from the configured pattern. */
export function namespaceFor(pattern: string, owner: string): string {
  const ref = parseEntityRef(owner, {
    defaultKind: 'group',
    defaultNamespace: 'default',
  });
  return labelValue(
    pattern
      .replace('{owner}', ref.name)
      .replace('{namespace}', ref.namespace)
      .toLowerCase(),
  )
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63);
}
