import { LoggerService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { ManagerSession } from '../managerClient';

export interface WaitOptions {
  session: ManagerSession;
  instanceId: string;
  logger: LoggerService;
  signal?: AbortSignal;
  /** Done when this returns true; `undefined` means the instance is gone. */
  until: (instance: Instance | undefined) => boolean;
  pollMs?: number;
  /** Progress is logged on every change, and at least this often. */
  progressEveryMs?: number;
  /** A cancelled task deletes the instance, so the Manager knows what became of it. */
  deleteOnCancel?: boolean;
}

/**
 * Polls the Manager until `until` holds, logging the phase and the elapsed time.
 * Throws when the task is cancelled, or when the instance fails.
 */
export async function waitForInstance(
  options: WaitOptions,
): Promise<Instance | undefined> {
  try {
    return await poll(options);
  } catch (error) {
    if (options.deleteOnCancel && options.signal?.aborted) {
      await deleteCancelled(options);
    }
    throw error;
  }
}

/**
 * When the task is cancelled later, after this step ended (the scaffolder then runs no
 * further action), deletes the instance unless it is running by then: a later step that
 * made it ready owns it. Errors are logged, never thrown.
 */
export function deleteIfCancelledLater(options: {
  signal?: AbortSignal;
  session: () => Promise<ManagerSession>;
  instanceId: string;
  logger: LoggerService;
}) {
  const { signal, instanceId, logger } = options;
  if (!signal) return;
  const onAbort = async () => {
    try {
      const session = await options.session();
      const instance = await getOrUndefined(session, instanceId);
      if (!instance || ['running', 'deleting'].includes(instance.status)) {
        return;
      }
      await deleteCancelled({ session, instanceId, logger });
    } catch (error) {
      logger.warn(
        `Task cancelled; could not check instance ${instanceId} (${error}); it fails at its provisioning deadline if never deployed`,
      );
    }
  };
  if (signal.aborted) void onAbort();
  else signal.addEventListener('abort', () => void onAbort(), { once: true });
}

async function deleteCancelled({
  session,
  instanceId,
  logger,
}: Pick<WaitOptions, 'session' | 'instanceId' | 'logger'>) {
  try {
    await session.api.deleteInstance(instanceId, { token: session.token });
    logger.info(`Task cancelled: deleting instance ${instanceId}`);
  } catch (error) {
    logger.warn(
      `Task cancelled; instance ${instanceId} was left as it is (${error}); it fails at its provisioning deadline if never deployed`,
    );
  }
}

async function poll(options: WaitOptions): Promise<Instance | undefined> {
  const { session, instanceId, logger, signal } = options;
  const pollMs = options.pollMs ?? 1000;
  const progressEveryMs = options.progressEveryMs ?? 10_000;
  const started = Date.now();
  let lastLog = 0;
  let lastState = '';
  for (;;) {
    signal?.throwIfAborted();
    const instance = await getOrUndefined(session, instanceId);
    const state = instance
      ? `${instance.status}/${instance.phase ?? '-'}/${instance.health}/${
          instance.operation?.type ?? '-'
        }`
      : 'gone';
    const now = Date.now();
    if (state !== lastState || now - lastLog >= progressEveryMs) {
      const elapsed = Math.round((now - started) / 1000);
      logger.info(
        instance
          ? `${instance.name}: ${instance.status}${
              instance.phase ? `, phase ${instance.phase}` : ''
            }, health ${instance.health}${
              instance.operation ? `, ${instance.operation.type} under way` : ''
            } (${elapsed} s)`
          : `instance ${instanceId} is gone (${elapsed} s)`,
      );
      lastLog = now;
      lastState = state;
    }
    if (options.until(instance)) return instance;
    if (instance?.status === 'failed') {
      throw new Error(
        `Database ${instance.name} failed in phase ${
          instance.fault?.phase ?? '-'
        }: ${instance.fault?.code} ${instance.fault?.message}`,
      );
    }
    await sleep(pollMs, signal);
  }
}

async function getOrUndefined(session: ManagerSession, id: string) {
  try {
    return await session.api.getInstance(id, { token: session.token });
  } catch (error) {
    if (error instanceof ResponseError && error.statusCode === 404)
      return undefined;
    throw error;
  }
}

function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
