import { Runtime } from '@dbaas/plugin-dbaas-node';
import { KubernetesRuntimeConfig } from './config';
import { KubernetesClusters } from './KubernetesCluster';
import { KubernetesEngineRuntime } from './KubernetesEngineRuntime';
import { KubernetesHostProvider } from './KubernetesHostProvider';

export { namespaceFor } from './naming';

/** Databases as StatefulSets on a Kubernetes cluster, with their data on a PVC. */
export function createKubernetesRuntime(
  config: KubernetesRuntimeConfig,
): Runtime {
  const clusters = new KubernetesClusters(config.clusters);
  return {
    name: 'kubernetes',
    host: new KubernetesHostProvider(clusters, config),
    engine: new KubernetesEngineRuntime(clusters, config),
    unsupportedReason: () => undefined,
  };
}
