import { RuntimeFault, StepContext } from '@dbaas/plugin-dbaas-node';
import { KubernetesCluster } from './KubernetesCluster';

const SUFFIXES: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Bytes in a Kubernetes quantity such as `2Gi`, `1500M` or `1e9`; undefined if it is none. */
export function quantityBytes(
  quantity: string | undefined,
): number | undefined {
  const match = /^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))$/.exec(
    quantity?.trim() ?? '',
  );
  if (!match) return undefined;
  const [, number, exponent, suffix = ''] = match;
  const scale = SUFFIXES[suffix];
  if (scale === undefined) return undefined;
  const value = Number(`${number}${exponent ?? ''}`) * scale;
  return Number.isFinite(value) ? value : undefined;
}

type Pvc = {
  spec?: {
    storageClassName?: string;
    resources?: { requests?: { storage?: string } };
  };
};

type StorageClass = { allowVolumeExpansion?: boolean };

/**
 * Grows an instance's PersistentVolumeClaim to `storageGiB` (a merge patch of
 * `spec.resources.requests.storage`); the storage class's CSI driver then grows the volume and
 * the kubelet its file system. A claim that large already is left alone; one whose storage class
 * does not allow expansion is refused before anything is changed.
 */
export async function resizeClaim(
  cluster: KubernetesCluster,
  claim: { namespace: string; name: string },
  storageGiB: number,
  ctx: StepContext,
): Promise<void> {
  const ref = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim.name, namespace: claim.namespace },
  };
  const pvc = await cluster.read<typeof ref & Pvc>(ref);
  if (!pvc) {
    throw new RuntimeFault(
      'HOST_UNAVAILABLE',
      `PersistentVolumeClaim ${claim.name} in ${claim.namespace} on Kubernetes cluster ${cluster.name} is gone`,
    );
  }
  const requested = pvc.spec?.resources?.requests?.storage;
  const wanted = storageGiB * 2 ** 30;
  if ((quantityBytes(requested) ?? 0) >= wanted) {
    ctx.logger.info(
      `PersistentVolumeClaim ${claim.name} requests ${requested} already; nothing to grow`,
    );
    return;
  }
  const className = pvc.spec?.storageClassName;
  if (!className) {
    throw new RuntimeFault(
      'HOST_UNAVAILABLE',
      `PersistentVolumeClaim ${claim.name} in ${claim.namespace} has no storage class, so it cannot be expanded (set dbaas.runtimes.kubernetes.storageClassName to a class with allowVolumeExpansion: true)`,
    );
  }
  const storageClass = await cluster.read<StorageClass & typeof ref>({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: className },
  });
  if (storageClass?.allowVolumeExpansion !== true) {
    throw new RuntimeFault(
      'HOST_UNAVAILABLE',
      `StorageClass '${className}' on Kubernetes cluster ${cluster.name} ${
        storageClass
          ? 'does not allow expansion'
          : 'does not exist, so it does not allow expansion'
      } (allowVolumeExpansion is not true): PersistentVolumeClaim ${
        claim.name
      } stays at ${requested}`,
    );
  }
  await cluster.mergePatch({
    ...ref,
    spec: { resources: { requests: { storage: `${storageGiB}Gi` } } },
  });
  ctx.logger.info(
    `PersistentVolumeClaim ${claim.name} in ${claim.namespace} now requests ${storageGiB}Gi (was ${requested}); the volume and its file system grow as the storage class's driver does it`,
  );
}
