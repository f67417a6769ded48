import {
  HostProvider,
  HostRef,
  HostSpec,
  HostState,
  RuntimeFault,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { KubernetesRuntimeConfig } from './config';
import { KubernetesCluster, KubernetesClusters } from './KubernetesCluster';
import {
  namespaceObject,
  objectName,
  persistentVolumeClaim,
} from './manifests';
import { instanceOf, namespaceFor } from './naming';
import { resizeClaim } from './storageResize';

/** The host stage: the namespace and the instance's PersistentVolumeClaim. */
export class KubernetesHostProvider implements HostProvider {
  constructor(
    private readonly clusters: KubernetesClusters,
    private readonly config: KubernetesRuntimeConfig,
  ) {}

  async provision(spec: HostSpec, ctx: StepContext): Promise<HostRef> {
    const cluster = this.clusters.forFlavor(
      spec.flavor.runtimeHints?.kubernetes,
    );
    const namespace = namespaceFor(this.config.namespacePattern, spec.owner);
    const i = instanceOf(this.config, { ...spec, namespace });
    if (this.config.createNamespaces) {
      await cluster.apply(namespaceObject(i));
    } else if (!(await cluster.read(namespaceObject(i)))) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `Namespace ${namespace} does not exist, and dbaas.runtimes.kubernetes.createNamespaces is off: create it, or turn that on`,
      );
    }
    if (
      this.config.storageClassName &&
      !(await cluster.read(storageClass(this.config.storageClassName)))
    ) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `StorageClass '${this.config.storageClassName}' does not exist on Kubernetes cluster ${cluster.name}: set dbaas.runtimes.kubernetes.storageClassName to one that does`,
      );
    }
    await cluster.apply(persistentVolumeClaim(i));
    ctx.logger.info(
      `PersistentVolumeClaim ${objectName(i)}-data applied in ${namespace}`,
    );
    return this.ref(
      cluster,
      spec.instanceId,
      spec.instanceName,
      namespace,
      spec.owner,
    );
  }

  async find(instanceId: string): Promise<HostRef | undefined> {
    for (const cluster of this.clusters.all) {
      const list = await cluster.call('list PersistentVolumeClaims', () =>
        cluster.core.listPersistentVolumeClaimForAllNamespaces({
          labelSelector: `dbaas.backstage.io/instance-id=${instanceId}`,
        }),
      );
      const pvc = list.items[0];
      if (pvc?.metadata?.namespace) {
        const labels = pvc.metadata.labels ?? {};
        const name =
          labels['app.kubernetes.io/instance']?.replace(/^dbaas-/, '') ?? '';
        const owner =
          pvc.metadata.annotations?.['dbaas.backstage.io/owner'] ?? '';
        return this.ref(
          cluster,
          instanceId,
          name,
          pvc.metadata.namespace,
          owner,
        );
      }
    }
    return undefined;
  }

  async describe(ref: HostRef): Promise<HostState> {
    const pvc = await this.clusters.get(ref.data.cluster).read({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `${ref.data.name}-data`,
        namespace: String(ref.data.namespace),
      },
    });
    return pvc
      ? { exists: true }
      : { exists: false, message: 'the PersistentVolumeClaim is gone' };
  }

  async destroy(ref: HostRef, ctx: StepContext): Promise<void> {
    if (this.config.reclaimPolicy === 'retain') {
      ctx.logger.info(
        `Keeping PersistentVolumeClaim ${ref.data.name}-data (reclaimPolicy: retain)`,
      );
      return;
    }
    await this.clusters.get(ref.data.cluster).delete({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `${ref.data.name}-data`,
        namespace: String(ref.data.namespace),
      },
    });
  }

  /**
   * Grows the instance's claim to `storageGiB` when its storage class allows expansion (else a
   * typed fault naming the class); a claim that large already is success.
   */
  async resizeStorage(
    ref: HostRef,
    storageGiB: number,
    ctx: StepContext,
  ): Promise<void> {
    await resizeClaim(
      this.clusters.get(ref.data.cluster),
      { namespace: String(ref.data.namespace), name: `${ref.data.name}-data` },
      storageGiB,
      ctx,
    );
  }

  private ref(
    cluster: KubernetesCluster,
    instanceId: string,
    instanceName: string,
    namespace: string,
    owner: string,
  ): HostRef {
    const name = objectName({ instanceName });
    return {
      runtime: 'kubernetes',
      instanceId,
      address: this.config.publishAddress ?? `${name}.${namespace}.svc`,
      data: { cluster: cluster.name, namespace, name, owner },
    };
  }
}

function storageClass(name: string) {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
  };
}
