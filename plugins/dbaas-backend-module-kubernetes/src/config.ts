import { Config } from '@backstage/config';
import { KubeConfig } from '@kubernetes/client-node';
import fs from 'fs';

export interface KubernetesClusterConfig {
  name: string;
  kubeConfig: KubeConfig;
}

export interface KubernetesRuntimeConfig {
  /** The first is the default; a flavor picks another with runtimeHints.kubernetes.cluster. */
  clusters: KubernetesClusterConfig[];
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
 * `dbaas.runtimes.kubernetes.clusters` (or a single `cluster`): each one
 * `{ name, kubeconfig: path, context? }`, `{ name, inCluster: true }` (the backend's service
 * account), or `{ name, url, token, caFile? }`.
 */
export function readKubernetesRuntimeConfig(
  config: Config,
): KubernetesRuntimeConfig {
  const clusters = config.has('clusters')
    ? config.getConfigArray('clusters').map((c, i) => ({
        name: c.getString('name'),
        kubeConfig: readKubeConfig(
          c,
          `dbaas.runtimes.kubernetes.clusters[${i}]`,
        ),
      }))
    : [
        {
          name: config.getOptionalString('cluster.name') ?? 'default',
          kubeConfig: readKubeConfig(
            config.getConfig('cluster'),
            'dbaas.runtimes.kubernetes.cluster',
          ),
        },
      ];
  const serviceType = config.getOptionalString('serviceType') ?? 'ClusterIP';
  if (!['ClusterIP', 'NodePort', 'LoadBalancer'].includes(serviceType)) {
    throw new Error(
      "Invalid app-config at 'dbaas.runtimes.kubernetes.serviceType': must be one of ClusterIP, NodePort, LoadBalancer",
    );
  }
  return {
    clusters,
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

function readKubeConfig(cluster: Config, key: string): KubeConfig {
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
      `Invalid app-config at '${key}': give kubeconfig, inCluster: true, or url and token`,
    );
  }
  return kubeConfig;
}
