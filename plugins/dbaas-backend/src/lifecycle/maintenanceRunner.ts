import { LoggerService } from '@backstage/backend-plugin-api';
import { InstanceStore, StaleInstanceError } from '../store/InstanceStore';
import { ACTOR } from './lifecycleContext';
import { windowOpen } from './maintenanceWindow';

/**
 * The maintenance task (one global task, every minute): a running instance whose window is
 * open gets its waiting operation as its `operation`, for its worker to do. One that has
 * another operation under way is tried again at the next run; one whose window closes before
 * then waits for the next window.
 */
export async function startDueOperations(deps: {
  store: InstanceStore;
  kick: (id: string) => void;
  logger: LoggerService;
  now?: Date;
}) {
  const now = deps.now ?? new Date();
  const running = await deps.store.listInstances({ statuses: ['running'] });
  for (const instance of running) {
    const waiting = instance.deferredOperation;
    const window = instance.maintenanceWindow;
    if (!waiting || !window || !windowOpen(window, now)) continue;
    try {
      await deps.store.updateInstance(
        instance.id,
        {
          operation: { ...waiting, requestedAt: now.toISOString() },
          deferredOperation: null,
        },
        {
          type: 'operation',
          message: `maintenance window open: the ${waiting.type} ${waiting.requestedBy} scheduled starts`,
          actor: ACTOR,
          data: { operation: waiting.type },
        },
        { status: 'running', noOperation: true },
      );
      deps.kick(instance.id);
    } catch (error) {
      if (!(error instanceof StaleInstanceError)) {
        deps.logger.warn(
          `Starting the scheduled ${waiting.type} of instance ${instance.id} failed: ${error}`,
        );
      }
    }
  }
}
