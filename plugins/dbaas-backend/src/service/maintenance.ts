import { ConflictError } from '@backstage/errors';
import { PendingOperation } from '@dbaas/plugin-dbaas-common';
import { nextWindowAt } from '../lifecycle/maintenanceWindow';
import { InstanceStore, StoredInstance } from '../store/InstanceStore';

/**
 * Keeps an operation for the instance's next maintenance window (409 without a window, or
 * with another operation waiting already); the maintenance task starts it once the window opens.
 */
export async function deferToWindow(
  store: InstanceStore,
  instance: StoredInstance,
  operation: Omit<PendingOperation, 'requestedBy' | 'requestedAt'>,
  actor: string,
): Promise<StoredInstance> {
  const window = instance.maintenanceWindow;
  if (!window) {
    throw new ConflictError(
      `${instance.name} has no maintenance window: set one (PATCH maintenanceWindow) or apply it immediately`,
    );
  }
  const waiting = instance.deferredOperation;
  if (waiting) {
    throw new ConflictError(
      `A ${waiting.type} of ${instance.name} waits for the maintenance window already (asked by ${waiting.requestedBy}); cancel it first (DELETE /instances/${instance.id}/scheduled-operation)`,
    );
  }
  const opens = nextWindowAt(window).toISOString();
  return store.updateInstance(
    instance.id,
    {
      deferredOperation: {
        ...operation,
        requestedBy: actor,
        requestedAt: new Date().toISOString(),
      },
    },
    {
      type: 'operation',
      message: `${operation.type} scheduled by ${actor} for the maintenance window (next opens ${opens})`,
      actor,
      data: { scheduled: operation.type, nextWindowAt: opens },
    },
  );
}

/** Drops the operation waiting for the window (409 when there is none). */
export async function cancelDeferred(
  store: InstanceStore,
  instance: StoredInstance,
  actor: string,
): Promise<StoredInstance> {
  const waiting = instance.deferredOperation;
  if (!waiting) {
    throw new ConflictError(
      `Nothing of ${instance.name} waits for the maintenance window`,
    );
  }
  return store.updateInstance(
    instance.id,
    { deferredOperation: null },
    {
      type: 'operation',
      message: `${waiting.type} scheduled for the maintenance window cancelled by ${actor}`,
      actor,
    },
  );
}
