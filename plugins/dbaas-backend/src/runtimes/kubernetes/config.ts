import { Config } from '@backstage/config';
import { KubeConfig } from '@kubernetes/client-node';
import fs from 'fs';

export interface KubernetesRuntimeConfig {
  kubeConfig: KubeConfig;
  /** e.g. `dbaas-{owner}`: {owner} is the owner's name, {namespace} its catalog namespace. */
  namespacePattern: string;
  createNamespaces: boolean;
  storageClassName?: string;
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** Address clients use with NodePort services; default: the Service's cluster DNS name. */
  publishAddress?: string;
  reclaimPolicy: 'delete' | 'retain';
  startTimeoutSeconds: number;
}

/**
 * `dbaas.runtimes.kubernetes.cluster`: `{ kubeconfig: path, context? }`, `{ inCluster: true }`
 * (the backend's service account), or `{ url, token, caFile? }`.
 */
export function readKubernetesRuntimeConfig(
  config: Config,
): KubernetesRuntimeConfig {
  const cluster = config.getConfig('cluster');
  const kubeConfig = new KubeConfig();
  if (cluster.getOptionalBoolean('inCluster')) {
    kubeConfig.loadFromCluster();
  } else if (cluster.has('kubeconfig')) {
    kubeConfig.loadFromFile(cluster.getString('kubeconfig'));
    const context = cluster.getOptionalString('context');
    if (context) kubeConfig.setCurrentContext(context);
  } else if (cluster.has('url')) {
    const caFile = cluster.getOptionalString('caFile');
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: 'dbaas',
          server: cluster.getString('url'),
          caData: caFile
            ? Buffer.from(fs.readFileSync(caFile)).toString('base64')
            : undefined,
          skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
        },
      ],
      users: [{ name: 'dbaas', token: cluster.getString('token') }],
      contexts: [{ name: 'dbaas', cluster: 'dbaas', user: 'dbaas' }],
      currentContext: 'dbaas',
    });
  } else {
    throw new Error(
      "Invalid app-config at 'dbaas.runtimes.kubernetes.cluster': give kubeconfig, inCluster: true, or url and token",
    );
  }
  const serviceType = config.getOptionalString('serviceType') ?? 'ClusterIP';
  if (!['ClusterIP', 'NodePort', 'LoadBalancer'].includes(serviceType)) {
    throw new Error(
      "Invalid app-config at 'dbaas.runtimes.kubernetes.serviceType': must be one of ClusterIP, NodePort, LoadBalancer",
    );
  }
  return {
    kubeConfig,
    namespacePattern:
      config.getOptionalString('namespacePattern') ?? 'dbaas-{owner}',
    createNamespaces: config.getOptionalBoolean('createNamespaces') ?? false,
    storageClassName: config.getOptionalString('storageClassName'),
    serviceType: serviceType as KubernetesRuntimeConfig['serviceType'],
    publishAddress: config.getOptionalString('publishAddress'),
    reclaimPolicy:
      config.getOptionalString('reclaimPolicy') === 'retain'
        ? 'retain'
        : 'delete',
    startTimeoutSeconds: config.getOptionalNumber('startTimeoutSeconds') ?? 300,
  };
}
