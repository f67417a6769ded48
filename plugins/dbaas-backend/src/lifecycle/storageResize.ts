import {
  EngineSecrets,
  EngineSpec,
  HostRef,
  Runtime,
} from '@dbaas/plugin-dbaas-node';
import { InstanceStore, StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { setReadOnly } from './readOnly';
import { storageStateOf } from './storageLevels';
import { Work } from './workerLease';

/**
 * Records a storage resize for a worker to do, only while the instance runs and no other
 * operation is under way (else StaleInstanceError): asked by its owner (PATCH) or by auto-grow.
 */
export function requestResize(
  store: InstanceStore,
  instance: StoredInstance,
  request: { storageGiB: number; actor: string; message: string },
): Promise<StoredInstance> {
  return store.updateInstance(
    instance.id,
    {
      operation: {
        type: 'resize-storage',
        requestedBy: request.actor,
        requestedAt: new Date().toISOString(),
        storageGiB: request.storageGiB,
      },
    },
    {
      type: 'operation',
      message: request.message,
      actor: request.actor,
      data: { operation: 'resize-storage', storageGiB: request.storageGiB },
    },
    { status: 'running', noOperation: true },
  );
}

/**
 * Grows the instance's storage: the runtime's volume and file system where it has them (EC2,
 * Kubernetes), else only the size the Manager enforces; then a server made read-only because
 * its storage was full takes writes again.
 */
export async function resizeStorage(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  host: HostRef,
  spec: EngineSpec,
  secrets: EngineSecrets,
) {
  const operation = instance.operation!;
  const from = instance.storageGiB;
  const to = Math.max(operation.storageGiB ?? from, from);
  if (runtime.host.resizeStorage) {
    await lc.call(instance, work, `growing the storage to ${to} GiB`, ctx =>
      runtime.host.resizeStorage!(host, to, ctx),
    );
  }
  const state =
    instance.storageUsedBytes === null
      ? instance.storageState
      : storageStateOf(instance.storageUsedBytes, to);
  const lift = instance.storageReadOnly && state !== 'full';
  // where the Manager enforces the size, writes are taken again even without the mark: a
  // replica that made the server read-only may have died before it could record it
  const enforced = !runtime.host.resizeStorage;
  if ((lift || (enforced && state !== 'full')) && runtime.engine.admin) {
    await lc.call(instance, work, 'accepting writes again', () =>
      setReadOnly(runtime.engine.admin!, host, spec, secrets, false),
    );
  }
  await lc.update(
    instance,
    work,
    {
      storageGiB: to,
      operation: null,
      storageState: state,
      ...(lift ? { storageReadOnly: false } : {}),
    },
    {
      type: 'operation',
      message: `storage grown from ${from} to ${to} GiB as ${
        operation.requestedBy
      } asked${lift ? ': the database accepts writes again' : ''}`,
      actor: ACTOR,
      data: { operation: operation.type, storageGiB: to },
    },
  );
  lc.options.managerMetrics?.operationEnded(
    operation.type,
    'done',
    operation.requestedAt,
  );
}
