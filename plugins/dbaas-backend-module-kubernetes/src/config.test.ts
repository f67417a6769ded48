import { ConfigReader } from '@backstage/config';
import { readKubernetesRuntimeConfig } from './config';

const cluster = {
  name: 'test',
  url: 'https://127.0.0.1:6443',
  token: 'not-a-real-token',
};
const read = (block: object) => () =>
  readKubernetesRuntimeConfig(new ConfigReader(block));

describe('readKubernetesRuntimeConfig', () => {
  it('reads a cluster with the defaults', () => {
    expect(read({ clusters: [cluster] })()).toMatchObject({
      namespacePattern: 'dbaas-{owner}',
      serviceType: 'ClusterIP',
      reclaimPolicy: 'delete',
      startTimeoutSeconds: 300,
    });
    expect(
      read({ clusters: [cluster], reclaimPolicy: 'retain' })().reclaimPolicy,
    ).toBe('retain');
  });

  it('refuses a reclaim policy it does not know, rather than deleting data', () => {
    expect(read({ clusters: [cluster], reclaimPolicy: 'Retain' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.kubernetes.reclaimPolicy': 'Retain' is not allowed; use one of delete, retain",
    );
  });

  it('names an unknown key and the allowed ones', () => {
    expect(read({ clusters: [cluster], namespace: 'x' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.kubernetes.namespace': unknown key 'namespace'; allowed here: clusters, cluster,",
    );
    expect(read({ clusters: [{ ...cluster, tokn: 'x' }] })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.kubernetes.clusters[0].tokn': unknown key 'tokn'",
    );
  });

  it('names a wrong service type with the allowed ones', () => {
    expect(read({ clusters: [cluster], serviceType: 'Ingress' })).toThrow(
      "'dbaas.runtimes.kubernetes.serviceType': 'Ingress' is not allowed; use one of ClusterIP, NodePort, LoadBalancer",
    );
  });
});
