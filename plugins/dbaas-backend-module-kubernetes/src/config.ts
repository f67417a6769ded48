import { Config } from '@backstage/config';
import { KubeConfig } from '@kubernetes/client-node';
import fs from 'fs';
import { InvalidConfigError } from '@dbaas/plugin-dbaas-common';

const KEY = 'dbaas.runtimes.kubernetes';

const RUNTIME_KEYS = [
  'clusters',
  'cluster',
  'namespacePattern',
  'createNamespaces',
  'storageClassName',
  'serviceType',
  'publishAddress',
  'reclaimPolicy',
  'startTimeoutSeconds',
];

const CLUSTER_KEYS = [
  'name',
  'kubeconfig',
  'context',
  'inCluster',
  'url',
  'token',
  'caFile',
  'skipTLSVerify',
];

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
  onlyKeys(config, KEY, RUNTIME_KEYS);
  const clusters = config.has('clusters')
    ? config.getConfigArray('clusters').map((c, i) => ({
        name: c.getString('name'),
        kubeConfig: readKubeConfig(c, `${KEY}.clusters[${i}]`),
      }))
    : [
        {
          name: config.getOptionalString('cluster.name') ?? 'default',
          kubeConfig: readKubeConfig(
            config.getConfig('cluster'),
            `${KEY}.cluster`,
          ),
        },
      ];
  const serviceType = oneOf(config, 'serviceType', [
    'ClusterIP',
    'NodePort',
    'LoadBalancer',
  ]);
  return {
    clusters,
    namespacePattern:
      config.getOptionalString('namespacePattern') ?? 'dbaas-{owner}',
    createNamespaces: config.getOptionalBoolean('createNamespaces') ?? false,
    storageClassName: config.getOptionalString('storageClassName'),
    serviceType,
    publishAddress: config.getOptionalString('publishAddress'),
    reclaimPolicy: oneOf(config, 'reclaimPolicy', ['delete', 'retain']),
    startTimeoutSeconds: config.getOptionalNumber('startTimeoutSeconds') ?? 300,
  };
}

function readKubeConfig(cluster: Config, key: string): KubeConfig {
  onlyKeys(cluster, key, CLUSTER_KEYS);
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

/** A typo is a start-up error, never a setting silently left at its default. */
function onlyKeys(config: Config, key: string, allowed: string[]) {
  const unknown = config.keys().find(k => !allowed.includes(k));
  if (unknown) {
    throw new InvalidConfigError(
      `${key}.${unknown}`,
      `unknown key '${unknown}'; allowed here: ${allowed.join(', ')}`,
    );
  }
}

/** The value of `name` if it is one of `values` (the first when unset). */
function oneOf<T extends string>(
  config: Config,
  name: string,
  values: readonly T[],
): T {
  const value = config.getOptionalString(name) ?? values[0];
  if (!(values as readonly string[]).includes(value)) {
    throw new InvalidConfigError(
      `${KEY}.${name}`,
      `'${value}' is not allowed; use one of ${values.join(', ')}`,
    );
  }
  return value as T;
}
