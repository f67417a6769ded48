import { V1Pod } from '@kubernetes/client-node';
import {
  EngineHealth,
  EngineSpec,
  HostRef,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import {
  KubernetesCluster,
  KubernetesClusters,
  PodContainer,
} from './KubernetesCluster';

/** The instance's pod (`<name>-0`), as the API shows it; undefined while there is none. */
export async function readPod(
  clusters: KubernetesClusters,
  host: HostRef,
): Promise<V1Pod | undefined> {
  return clusters.get(host.data.cluster).read<V1Pod>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${host.data.name}-0`,
      namespace: String(host.data.namespace),
    },
  });
}

/**
 * The engine's container of the instance's pod, to exec in: the pod must be Running (ready or
 * not: the admin is needed when the server is not, e.g. its storage full); else
 * ENGINE_UNAVAILABLE.
 */
export async function runningPod(
  clusters: KubernetesClusters,
  host: HostRef,
  spec: EngineSpec,
): Promise<{ cluster: KubernetesCluster; pod: PodContainer; status: V1Pod }> {
  const namespace = String(host.data.namespace);
  const name = `${host.data.name}-0`;
  const pod = await readPod(clusters, host);
  if (pod?.status?.phase !== 'Running') {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `pod ${name} in ${namespace} is not running${
        pod ? ` (${pod.status?.phase ?? 'no status'})` : ''
      }`,
    );
  }
  return {
    cluster: clusters.get(host.data.cluster),
    pod: { namespace, name, container: spec.flavor.engine },
    status: pod,
  };
}

/** The failing reasons of a container that waits, which no retry fixes by itself. */
const BROKEN_WAITING = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'InvalidImageName',
];

/** What the pod says of the server: ready, starting, or broken in a way no wait fixes. */
export function healthOf(pod: V1Pod | undefined): EngineHealth {
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
  const terminated = pod.status?.containerStatuses?.[0]?.lastState?.terminated;
  return {
    state: 'starting',
    message: terminated
      ? `restarted after exit code ${terminated.exitCode}`
      : pod.status?.phase,
  };
}
