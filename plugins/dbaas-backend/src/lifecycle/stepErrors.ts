import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { SecretUnreadableError } from '../crypto/SecretBox';
import {
  LeaseLostError,
  StaleInstanceError,
  StoredInstance,
} from '../store/InstanceStore';
import { LifecycleContext } from './lifecycleContext';
import { WorkAbortedError } from './runtimeCall';
import { Work } from './workerLease';

/**
 * What a step does when it threw: stop quietly when the work was aborted or taken over; go on
 * when the instance changed meanwhile (a delete landed: the next step sees it); `fail` on a
 * runtime's fault or a secret no key opens; and on anything else (the Manager's own store)
 * wait and try the step again, never failing or destroying anything for it. True when there
 * is more to do.
 */
export async function handleStepError(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  error: unknown,
  fail: (fault: RuntimeFault | SecretUnreadableError) => Promise<void>,
): Promise<boolean> {
  if (work.signal.aborted || error instanceof WorkAbortedError) return false;
  if (error instanceof LeaseLostError) return false;
  if (error instanceof StaleInstanceError) return true;
  if (error instanceof RuntimeFault || error instanceof SecretUnreadableError) {
    await fail(error);
    return false;
  }
  await lc.storeTrouble(instance.id, error as Error, work.signal);
  return true;
}
