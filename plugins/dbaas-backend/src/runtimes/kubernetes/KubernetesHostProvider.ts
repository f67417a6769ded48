import {
  HostProvider,
  HostRef,
  HostSpec,
  HostState,
  RuntimeFault,
  StepContext,
} from '../types';
import { KubernetesRuntimeConfig } from './config';
import { KubernetesCluster } from './KubernetesCluster';
import {
  namespaceObject,
  objectName,
  persistentVolumeClaim,
} from './manifests';
import { instanceOf, namespaceFor } from './naming';

/** The host stage: the namespace and the instance's PersistentVolumeClaim. */
export class KubernetesHostProvider implements HostProvider {
  constructor(
    private readonly cluster: KubernetesCluster,
    private readonly config: KubernetesRuntimeConfig,
  ) {}

  async provision(spec: HostSpec, ctx: StepContext): Promise<HostRef> {
    const namespace = namespaceFor(this.config.namespacePattern, spec.owner);
    const i = instanceOf(this.config, { ...spec, namespace });
    if (this.config.createNamespaces) {
      await this.cluster.apply(namespaceObject(i));
    } else if (!(await this.cluster.read(namespaceObject(i)))) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `Namespace ${namespace} does not exist, and dbaas.runtimes.kubernetes.createNamespaces is off: create it, or turn that on`,
      );
    }
    await this.cluster.apply(persistentVolumeClaim(i));
    ctx.logger.info(
      `PersistentVolumeClaim ${objectName(i)}-data applied in ${namespace}`,
    );
    return this.ref(spec.instanceId, spec.instanceName, namespace, spec.owner);
  }

  async find(instanceId: string): Promise<HostRef | undefined> {
    const list = await this.cluster.call('list PersistentVolumeClaims', () =>
      this.cluster.core.listPersistentVolumeClaimForAllNamespaces({
        labelSelector: `dbaas.backstage.io/instance-id=${instanceId}`,
      }),
    );
    const pvc = list.items[0];
    if (!pvc?.metadata?.namespace) return undefined;
    const name =
      pvc.metadata.labels?.['app.kubernetes.io/instance']?.replace(
        /^dbaas-/,
        '',
      ) ?? '';
    const owner = pvc.metadata.annotations?.['dbaas.backstage.io/owner'] ?? '';
    return this.ref(instanceId, name, pvc.metadata.namespace, owner);
  }

  async describe(ref: HostRef): Promise<HostState> {
    const pvc = await this.cluster.read({
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
    await this.cluster.delete({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `${ref.data.name}-data`,
        namespace: String(ref.data.namespace),
      },
    });
  }

  private ref(
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
      data: { namespace, name, owner },
    };
  }
}
