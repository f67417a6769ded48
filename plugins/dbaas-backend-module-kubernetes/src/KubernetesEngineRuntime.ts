import { Endpoint } from '@dbaas/plugin-dbaas-common';
import { V1Pod, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import {
  EngineAdmin,
  EngineBackups,
  EngineHealth,
  EngineRuntime,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RuntimeFault,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { KubernetesRuntimeConfig } from './config';
import { KubernetesClusters } from './KubernetesCluster';
import { KubernetesEngineAdmin } from './KubernetesEngineAdmin';
import {
  objectName,
  secret,
  service,
  serviceDnsNames,
  statefulSet,
} from './manifests';
import { instanceOf } from './naming';
import { healthOf, readPod } from './runningPod';
import { KubernetesEngineBackups } from './KubernetesEngineBackups';

/** The engine stage: Secret, Service and StatefulSet, and health from the pod. */
export class KubernetesEngineRuntime implements EngineRuntime {
  /** Admin statements and the data directory's size through the pod exec API. */
  readonly admin: EngineAdmin;
  /** PostgreSQL's base backups, WAL and restores through the pod exec API. */
  readonly backups: EngineBackups;

  constructor(
    private readonly clusters: KubernetesClusters,
    private readonly config: KubernetesRuntimeConfig,
  ) {
    this.admin = new KubernetesEngineAdmin(clusters);
    this.backups = new KubernetesEngineBackups(
      clusters,
      this,
      config.startTimeoutSeconds,
    );
  }

  instance(host: HostRef, spec: EngineSpec) {
    const instanceName = String(host.data.name).replace(/^dbaas-/, '');
    return {
      ...instanceOf(
        this.config,
        {
          instanceId: spec.instanceId,
          instanceName,
          owner: String(host.data.owner),
          flavor: spec.flavor,
          storageGiB: spec.storageGiB,
          namespace: String(host.data.namespace),
        },
        spec,
      ),
      walSpool: host.data.walSpool === true,
    };
  }

  /**
   * Applies the Secret, the Service and the StatefulSet (server-side apply: an object as asked
   * already is left as it is) and waits until the pod the StatefulSet makes from them is ready.
   */
  async deploy(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx: StepContext,
  ): Promise<Endpoint> {
    const svc = await this.applyObjects(host, spec, secrets, ctx);
    await this.untilReady(host, spec, ctx);
    const port = svc.spec?.ports?.[0];
    return {
      host: host.address,
      port: Number(
        this.config.serviceType === 'NodePort' ? port?.nodePort : port?.port,
      ),
      database: spec.database,
      user: spec.username,
    };
  }

  /**
   * The Secret, the Service and the StatefulSet, by server-side apply; `restoring`: the
   * StatefulSet a restore fills (see `statefulSet`).
   */
  async applyObjects(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx: StepContext,
    options: { restoring?: boolean } = {},
  ): Promise<V1Service> {
    const i = this.instance(host, spec);
    const cluster = this.clusters.get(host.data.cluster);
    await cluster.apply(secret(i, secrets));
    const svc = await cluster.apply<V1Service>(service(i));
    await cluster.apply(statefulSet(i, options));
    ctx.logger.info(
      `StatefulSet ${objectName(i)} applied in ${i.namespace}${
        options.restoring ? ', waiting for the restore' : ''
      }`,
    );
    return svc;
  }

  /**
   * The server made again from `spec` (another flavor's CPU and memory, its image, its labels)
   * on the same claim: `deploy` applies the StatefulSet from it, the StatefulSet controller
   * replaces the pod when its template changed (rolling update), and `deploy` waits until the
   * pod of the new revision is ready. A StatefulSet made from `spec` already changes nothing.
   */
  async replace(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx: StepContext,
  ): Promise<Endpoint> {
    ctx.logger.info(
      `Making the server of ${spec.instanceId} again from flavor ${spec.flavor.id} (${spec.flavor.image})`,
    );
    return this.deploy(host, spec, secrets, ctx);
  }

  async health(host: HostRef): Promise<EngineHealth> {
    return healthOf(await this.pod(host));
  }

  private async pod(host: HostRef) {
    return readPod(this.clusters, host);
  }

  /**
   * Until the pod is ready and is of the StatefulSet's current template: right after an apply
   * that changed it, the pod of the old one may still answer until the controller replaces it.
   */
  private async untilReady(host: HostRef, spec: EngineSpec, ctx: StepContext) {
    const cluster = this.clusters.get(host.data.cluster);
    const set = statefulSet(this.instance(host, spec));
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    for (;;) {
      ctx.signal.throwIfAborted();
      const [applied, pod] = await Promise.all([
        cluster.read<V1StatefulSet>(set),
        this.pod(host),
      ]);
      const health = healthOf(pod);
      const behind = pod && outdated(applied, pod);
      if (health.state === 'unhealthy') {
        const message = health.message ?? 'the pod is unhealthy';
        if (behind) {
          // a StatefulSet replaces a pod only once it is ready (OrderedReady)
          throw new RuntimeFault(
            'ENGINE_START_FAILED',
            `Pod ${pod.metadata?.name} of the previous template is ${message}: the StatefulSet replaces it only once it is ready; delete the pod to have it made from the new one`,
          );
        }
        throw new RuntimeFault(
          /Image/.test(message) ? 'IMAGE_PULL' : 'ENGINE_START_FAILED',
          message,
        );
      }
      if (health.state === 'healthy' && !behind) return;
      if (Date.now() > deadline) {
        throw new RuntimeFault(
          'ENGINE_TIMEOUT',
          `The pod was not ready within ${this.config.startTimeoutSeconds} s: ${
            behind
              ? `it still runs the previous template (${behind})`
              : health.message ?? health.state
          }`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  async scale(
    host: HostRef,
    spec: EngineSpec,
    replicas: number,
    options: { restoring?: boolean } = {},
  ) {
    const set = statefulSet(this.instance(host, spec), options);
    await this.clusters
      .get(host.data.cluster)
      .apply({ ...set, spec: { ...set.spec, replicas } });
  }

  async stop(host: HostRef, spec: EngineSpec) {
    await this.scale(host, spec, 0);
  }

  async start(host: HostRef, spec: EngineSpec) {
    await this.scale(host, spec, 1);
  }

  async remove(host: HostRef, spec: EngineSpec) {
    const i = this.instance(host, spec);
    const cluster = this.clusters.get(host.data.cluster);
    await cluster.delete(statefulSet(i));
    await cluster.delete(service(i));
    await cluster.delete(secret(i, { password: '', adminPassword: '' }));
  }

  /** The Service's DNS names, which in-cluster clients use. */
  tlsNames(host: HostRef): string[] {
    return serviceDnsNames({
      instanceName: String(host.data.name).replace(/^dbaas-/, ''),
      namespace: String(host.data.namespace),
    });
  }

  async logs(host: HostRef, _spec: EngineSpec, tail: number) {
    const cluster = this.clusters.get(host.data.cluster);
    return cluster.call('read the pod log', () =>
      cluster.core.readNamespacedPodLog({
        name: `${host.data.name}-0`,
        namespace: String(host.data.namespace),
        tailLines: tail,
      }),
    );
  }
}

/**
 * Why the pod is not (yet known to be) of the StatefulSet's latest template, or undefined when
 * it is: the controller has not seen the latest spec, or the pod's revision is an older one.
 */
function outdated(
  set: V1StatefulSet | undefined,
  pod: V1Pod,
): string | undefined {
  if (!set) return 'no StatefulSet';
  const generation = set.metadata?.generation ?? 0;
  const observed = set.status?.observedGeneration ?? 0;
  if (observed < generation) {
    return `the StatefulSet controller has seen generation ${observed} of ${generation}`;
  }
  const revision = set.status?.updateRevision;
  const podRevision = pod.metadata?.labels?.['controller-revision-hash'];
  if (revision && podRevision && podRevision !== revision) {
    return `revision ${podRevision}, not ${revision}`;
  }
  return undefined;
}
