import { Endpoint, PendingOperation } from '@dbaas/plugin-dbaas-common';
import { RuntimeFault, sleep } from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { handleStepError } from './stepErrors';
import { Work } from './workerLease';

/**
 * Runs the day-2 operation asked of an instance (stop, start, restart) under its lease. Every
 * runtime call it makes is idempotent, so a replica that picks the operation up after a crash
 * simply runs it again. A failure leaves the instance as it was (running or stopped), with a
 * typed fault in its timeline. True when there is more to do.
 */
export async function operationStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
): Promise<boolean> {
  const operation = instance.operation!;
  try {
    const { runtime, flavor } = lc.resolve(instance);
    const host = instance.hostRef;
    if (!host) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `${instance.name} has no host`,
      );
    }
    const spec = lc.engineSpec(instance, flavor);
    const secrets = lc.secrets(instance);
    if (operation.type !== 'start') {
      await lc.call(instance, work, 'stopping the server', ctx =>
        runtime.engine.stop(host, spec, ctx),
      );
    }
    if (operation.type === 'stop') {
      await done(lc, instance, work, operation, 'stopped', 'unknown');
      return false;
    }
    const endpoint = await lc.call(instance, work, 'starting the server', ctx =>
      runtime.engine.start(host, spec, secrets, ctx),
    );
    await lc.call(instance, work, 'waiting until healthy', async ctx => {
      for (;;) {
        const health = await runtime.engine.health(host, spec, secrets);
        if (health.state === 'healthy') return;
        await sleep(lc.options.healthPollMs ?? 500, ctx.signal);
      }
    });
    await done(lc, instance, work, operation, 'running', 'healthy', endpoint);
    return false;
  } catch (error) {
    return handleStepError(lc, instance, work, error, async fault => {
      await lc.update(
        instance,
        work,
        { operation: null },
        {
          type: 'fault',
          message: `${operation.type} failed: ${fault.message}`,
          actor: ACTOR,
          data: {
            operation: operation.type,
            code:
              fault instanceof RuntimeFault ? fault.code : 'SECRET_UNREADABLE',
          },
        },
      );
    });
  }
}

async function done(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  operation: PendingOperation,
  status: 'running' | 'stopped',
  health: 'healthy' | 'unknown',
  endpoint?: Endpoint | void,
) {
  const words = { stop: 'stopped', start: 'started', restart: 'restarted' };
  const updated = await lc.update(
    instance,
    work,
    { status, health, operation: null, ...(endpoint ? { endpoint } : {}) },
    {
      type: 'status',
      message: `${status}: ${words[operation.type]} as ${
        operation.requestedBy
      } asked`,
      actor: ACTOR,
      data: { operation: operation.type },
    },
  );
  await lc.options.notifier.changed(updated);
}
