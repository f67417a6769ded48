import { Endpoint } from '@dbaas/plugin-dbaas-common';
import { V1Pod, V1Service } from '@kubernetes/client-node';
import {
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
import {
  objectName,
  secret,
  service,
  serviceDnsNames,
  statefulSet,
} from './manifests';
import { instanceOf } from './naming';

/** The failing reasons of a container that waits, which no retry fixes by itself. */
const BROKEN_WAITING = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'InvalidImageName',
];

/** The engine stage: Secret, Service and StatefulSet, and health from the pod. */
export class KubernetesEngineRuntime implements EngineRuntime {
  constructor(
    private readonly clusters: KubernetesClusters,
    private readonly config: KubernetesRuntimeConfig,
  ) {}

  private instance(host: HostRef, spec: EngineSpec) {
    const instanceName = String(host.data.name).replace(/^dbaas-/, '');
    return instanceOf(
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
    );
  }

  async deploy(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    ctx: StepContext,
  ): Promise<Endpoint> {
    const i = this.instance(host, spec);
    const cluster = this.clusters.get(host.data.cluster);
    await cluster.apply(secret(i, secrets));
    const svc = await cluster.apply<V1Service>(service(i));
    await cluster.apply(statefulSet(i));
    ctx.logger.info(`StatefulSet ${objectName(i)} applied in ${i.namespace}`);

    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    for (;;) {
      ctx.signal.throwIfAborted();
      const health = await this.health(host);
      if (health.state === 'healthy') break;
      if (health.state === 'unhealthy') {
        throw new RuntimeFault(
          /Image/.test(health.message ?? '')
            ? 'IMAGE_PULL'
            : 'ENGINE_START_FAILED',
          health.message ?? 'the pod is unhealthy',
        );
      }
      if (Date.now() > deadline) {
        throw new RuntimeFault(
          'ENGINE_TIMEOUT',
          `The pod was not ready within ${this.config.startTimeoutSeconds} s: ${
            health.message ?? health.state
          }`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
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

  async health(host: HostRef): Promise<EngineHealth> {
    const pod = await this.clusters.get(host.data.cluster).read<V1Pod>({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${host.data.name}-0`,
        namespace: String(host.data.namespace),
      },
    });
    if (!pod) return { state: 'starting', message: 'no pod yet' };
    const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
    if (waiting?.reason && BROKEN_WAITING.includes(waiting.reason)) {
      return {
        state: 'unhealthy',
        message: `${waiting.reason}: ${waiting.message ?? ''}`.trim(),
      };
    }
    const scheduled = pod.status?.conditions?.find(
      c => c.type === 'PodScheduled',
    );
    if (pod.status?.phase === 'Pending' && scheduled?.status === 'False') {
      return {
        state: 'unhealthy',
        message: `Pending: ${scheduled.reason}: ${
          scheduled.message ?? ''
        }`.trim(),
      };
    }
    const ready = pod.status?.conditions?.find(c => c.type === 'Ready');
    if (ready?.status === 'True') return { state: 'healthy' };
    const terminated =
      pod.status?.containerStatuses?.[0]?.lastState?.terminated;
    return {
      state: 'starting',
      message: terminated
        ? `restarted after exit code ${terminated.exitCode}`
        : pod.status?.phase,
    };
  }

  private async scale(host: HostRef, spec: EngineSpec, replicas: number) {
    const set = statefulSet(this.instance(host, spec));
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
