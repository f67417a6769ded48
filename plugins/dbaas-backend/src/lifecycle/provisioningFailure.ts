import { Fault } from '@dbaas/plugin-dbaas-common';
import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { SecretUnreadableError } from '../crypto/SecretBox';
import { StaleInstanceError, StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext } from './lifecycleContext';

/** Records the fault and removes what the create made, so nothing is left half-created. */
export async function failProvisioning(
  lc: LifecycleContext,
  instance: StoredInstance,
  error: Error,
  signal: AbortSignal,
) {
  const fault: Fault = {
    phase: instance.phase,
    code: faultCodeOf(error),
    message: error.message,
  };
  lc.options.logger.warn(
    `Instance ${instance.id} (${instance.name}) failed in ${fault.phase}: ${fault.code} ${fault.message}`,
  );
  // a key that is missing today may be configured again tomorrow: keep the data
  const cleanup =
    error instanceof SecretUnreadableError
      ? 'nothing was removed'
      : await cleanUp(lc, instance, signal);
  const failed = await lc
    .update(
      instance,
      {
        status: 'failed',
        phase: null,
        health: 'unknown',
        fault,
        deadlineAt: null,
      },
      {
        type: 'fault',
        message: `${fault.code}: ${fault.message}${
          cleanup ? ` (cleanup: ${cleanup})` : ''
        }`,
        actor: ACTOR,
        data: { phase: fault.phase, code: fault.code },
      },
    )
    .catch(e => {
      if (e instanceof StaleInstanceError) return undefined;
      throw e;
    });
  if (failed) await lc.options.notifier.failed(failed);
}

async function cleanUp(
  lc: LifecycleContext,
  instance: StoredInstance,
  signal: AbortSignal,
) {
  try {
    const { runtime, flavor } = lc.resolve(instance);
    const hostRef = await lc.findHost(instance, runtime);
    if (!hostRef) return undefined;
    const ctx = lc.stepContext(instance, signal);
    await runtime.engine.remove(hostRef, lc.engineSpec(instance, flavor), ctx);
    await runtime.host.destroy(hostRef, ctx);
    return 'removed the server and its host';
  } catch (error) {
    return `could not remove everything: ${(error as Error).message}`;
  }
}

function faultCodeOf(error: Error): Fault['code'] {
  if (error instanceof RuntimeFault) return error.code;
  if (error instanceof SecretUnreadableError) return 'SECRET_UNREADABLE';
  return 'INTERNAL';
}
