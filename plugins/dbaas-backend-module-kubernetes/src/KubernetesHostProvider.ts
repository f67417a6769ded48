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
  archivesWal,
  namespaceObject,
  objectName,
  persistentVolumeClaim,
  walClaimName,
  walSpoolClaim,
} from './manifests';
import { instanceOf, namespaceFor } from './naming';
import { resizeClaim } from './storageResize';

/**
 * The host stage: the namespace and the instance's PersistentVolumeClaim; for PostgreSQL a
 * second one, the WAL spool (`<name>-wal`), which `host.data.walSpool` records.
 */
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
    const walSpool = archivesWal(spec.flavor.engine);
    if (walSpool) {
      await cluster.apply(walSpoolClaim(i));
      ctx.logger.info(
        `PersistentVolumeClaim ${walClaimName(i)} applied in ${namespace}`,
      );
    }
    return this.ref(
      cluster,
      spec.instanceId,
      spec.instanceName,
      namespace,
      spec.owner,
      walSpool,
    );
  }

  async find(instanceId: string): Promise<HostRef | undefined> {
    for (const cluster of this.clusters.all) {
      const list = await cluster.call('list PersistentVolumeClaims', () =>
        cluster.core.listPersistentVolumeClaimForAllNamespaces({
          labelSelector: `dbaas.backstage.io/instance-id=${instanceId}`,
        }),
      );
      const data = list.items.filter(c => !c.metadata?.name?.endsWith('-wal'));
      const pvc = data[0] ?? list.items[0];
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
          list.items.some(
            c => c.metadata?.name === walClaimName({ instanceName: name }),
          ),
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
        `Keeping PersistentVolumeClaims ${ref.data.name}-data and -wal (reclaimPolicy: retain)`,
      );
      return;
    }
    const cluster = this.clusters.get(ref.data.cluster);
    for (const claim of ['data', 'wal']) {
      // the spool's too (one from before backups has none: already gone is success)
      await cluster.delete({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: `${ref.data.name}-${claim}`,
          namespace: String(ref.data.namespace),
        },
      });
    }
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
    walSpool: boolean,
  ): HostRef {
    const name = objectName({ instanceName });
    return {
      runtime: 'kubernetes',
      instanceId,
      address: this.config.publishAddress ?? `${name}.${namespace}.svc`,
      data: {
        cluster: cluster.name,
        namespace,
        name,
        owner,
        ...(walSpool ? { walSpool: true } : {}),
      },
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
