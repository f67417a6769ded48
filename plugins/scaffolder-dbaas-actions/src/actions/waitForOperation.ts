import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { Instance, PendingOperationType } from '@dbaas/plugin-dbaas-common';
import { ManagerSession } from '../managerClient';
import { waitForInstance } from './waitForInstance';

/**
 * Waits until the background operation asked at `requestedAt` is no longer under way, then
 * fails with the Manager's message when the timeline has a fault of that operation since
 * it was asked. Answers the instance as the operation left it.
 */
export async function waitForOperation(options: {
  session: ManagerSession;
  instance: Pick<Instance, 'id' | 'name'>;
  type: PendingOperationType;
  requestedAt: string;
  logger: LoggerService;
  signal?: AbortSignal;
  pollMs?: number;
}): Promise<Instance> {
  const { session, instance, type, requestedAt } = options;
  const done = await waitForInstance({
    session,
    instanceId: instance.id,
    logger: options.logger,
    signal: options.signal,
    pollMs: options.pollMs,
    // another operation asked later does not hold this one up
    until: i => !i?.operation || i.operation.requestedAt > requestedAt,
  });
  if (!done) {
    throw new NotFoundError(
      `Database ${instance.name} was deleted during the ${type}`,
    );
  }
  const fault = await faultSince(session, instance.id, type, requestedAt);
  if (fault) throw new Error(`Database ${done.name}: ${fault}`);
  return done;
}

/**
 * The message of the latest fault since the operation was asked: one the Manager wrote for
 * an operation of this type, or one that names no operation.
 */
export async function faultSince(
  session: ManagerSession,
  instanceId: string,
  type: PendingOperationType,
  requestedAt: string,
): Promise<string | undefined> {
  const events = await session.api.listEvents(instanceId, {
    token: session.token,
  });
  return events
    .filter(
      e =>
        e.type === 'fault' &&
        e.at >= requestedAt &&
        [type, undefined].includes(
          (e.data as { operation?: PendingOperationType } | null)?.operation,
        ),
    )
    .at(-1)?.message;
}
