import { Runtime } from '../types';
import { KubernetesRuntimeConfig } from './config';
import { KubernetesCluster } from './KubernetesCluster';
import { KubernetesEngineRuntime } from './KubernetesEngineRuntime';
import { KubernetesHostProvider } from './KubernetesHostProvider';

export { namespaceFor } from './naming';

/** Databases as StatefulSets on a Kubernetes cluster, with their data on a PVC. */
export function createKubernetesRuntime(
  config: KubernetesRuntimeConfig,
): Runtime {
  const cluster = new KubernetesCluster(config);
  return {
    name: 'kubernetes',
    host: new KubernetesHostProvider(cluster, config),
    engine: new KubernetesEngineRuntime(cluster, config),
    unsupportedReason: () => undefined,
  };
}
