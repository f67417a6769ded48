import { Fault } from '@dbaas/plugin-dbaas-common';
import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { SecretUnreadableError } from '../crypto/SecretBox';
import {
  LeaseLostError,
  StaleInstanceError,
  StoredInstance,
} from '../store/InstanceStore';
import { cleanUpStep } from './cleanUp';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { Work } from './workerLease';

/**
 * Records the fault, then removes what the create made, so nothing is left half-created. The
 * failure is written first (fenced by the lease): a replica that was taken over records
 * nothing and removes nothing, so it can never remove what the new holder made. A clean-up
 * that fails is retried by the janitor.
 */
export async function failProvisioning(
  lc: LifecycleContext,
  instance: StoredInstance,
  error: RuntimeFault | SecretUnreadableError,
  work: Work,
) {
  const fault: Fault = {
    phase: instance.phase,
    code: error instanceof RuntimeFault ? error.code : 'SECRET_UNREADABLE',
    message: error.message,
  };
  lc.options.logger.warn(
    `Instance ${instance.id} (${instance.name}) failed in ${fault.phase}: ${fault.code} ${fault.message}`,
  );
  lc.options.managerMetrics?.fault(fault.code, 'provisioning');
  // a key that is missing today may be configured again tomorrow: keep the data
  const unreadable = error instanceof SecretUnreadableError;
  const failed = await lc
    .update(
      instance,
      work,
      {
        status: 'failed',
        phase: null,
        health: 'unknown',
        fault,
        deadlineAt: null,
        cleanupPending: !unreadable,
        retryAttempts: 0,
        lastError: null,
      },
      {
        type: 'fault',
        message: `${fault.code}: ${fault.message}${
          unreadable ? ' (nothing was removed)' : ''
        }`,
        actor: ACTOR,
        data: { phase: fault.phase, code: fault.code },
      },
    )
    .catch(e => {
      if (e instanceof StaleInstanceError || e instanceof LeaseLostError) {
        return undefined;
      }
      throw e;
    });
  if (!failed) return;
  await lc.options.notifier.failed(failed);
  if (failed.cleanupPending) await cleanUpStep(lc, failed, work);
}
