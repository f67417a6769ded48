import { StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext, phaseEvent } from './lifecycleContext';

/**
 * Runs the next deletion step: the server (and its data), then the host. A failure keeps the
 * instance in `deleting` with a fault event, and the next resume retries. True when there is
 * more to do.
 */
export async function deleteStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const { runtime, flavor } = lc.resolve(instance);
    const ctx = lc.stepContext(instance, signal);
    const hostRef = await lc.findHost(instance, runtime);
    if (instance.phase !== 'host_destroying') {
      if (hostRef) {
        await runtime.engine.remove(
          hostRef,
          lc.engineSpec(instance, flavor),
          ctx,
        );
      }
      await lc.update(
        instance,
        { phase: 'host_destroying', health: 'unknown' },
        phaseEvent('host_destroying', 'server removed; destroying the host'),
      );
      return true;
    }
    if (hostRef) {
      await runtime.host.destroy(hostRef, ctx);
    }
    await lc.update(
      instance,
      {
        status: 'deleted',
        phase: null,
        endpoint: null,
        deletedAt: new Date().toISOString(),
      },
      {
        type: 'status',
        message: 'deleted: server, data and host are gone',
        actor: ACTOR,
      },
    );
    return false;
  } catch (error) {
    if (signal.aborted) return false;
    await lc.options.store.appendEvent(instance.id, {
      type: 'fault',
      message: `deleting failed, will retry: ${(error as Error).message}`,
      actor: ACTOR,
    });
    return false;
  }
}
