import { StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { Work } from './workerLease';

/**
 * Removes the server and host a failed create left, and checks that the runtime finds
 * nothing any more. A failure is scheduled again with backoff (the janitor picks it up) and
 * the instance stays listed under GET /admin/leaks until it succeeds.
 */
export async function cleanUpStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
): Promise<boolean> {
  try {
    const { runtime, flavor } = lc.resolve(instance);
    const hostRef = await lc.findHost(instance, runtime, work);
    if (hostRef) {
      await lc.call(instance, work, 'removing the server', ctx =>
        runtime.engine.remove(hostRef, lc.engineSpec(instance, flavor), ctx),
      );
      await lc.call(instance, work, 'destroying the host', ctx =>
        runtime.host.destroy(hostRef, ctx),
      );
      const left = await lc.call(instance, work, 'looking for the host', () =>
        runtime.host.find(instance.id),
      );
      if (left) {
        throw new Error(`the host at ${left.address} is still there`);
      }
    }
    await lc.update(
      instance,
      work,
      { cleanupPending: false, retryAttempts: 0, lastError: null },
      {
        type: 'operation',
        message: hostRef
          ? 'cleanup: removed the server and its host'
          : 'cleanup: nothing was left to remove',
        actor: ACTOR,
      },
    );
  } catch (error) {
    if (work.signal.aborted) return false;
    const message = (error as Error).message;
    const attempt = await lc.options.store.work.scheduleRetry(
      work.lease,
      message,
      {
        type: 'fault',
        message: `cleanup failed, will retry: ${message}`,
        actor: ACTOR,
      },
    );
    lc.options.logger.warn(
      `Clean-up of failed instance ${instance.id} failed (attempt ${attempt}): ${message}`,
    );
  }
  return false;
}
