import { RuntimeFault, StepContext } from '@dbaas/plugin-dbaas-node';
import { LoggerService } from '@backstage/backend-plugin-api';

/** The work was aborted (lease lost, shutdown): stop without recording anything. */
export class WorkAbortedError extends Error {
  constructor() {
    super('work aborted');
    this.name = 'WorkAbortedError';
  }
}

/**
 * Runs one runtime call under a time limit. The call gets a signal that aborts at the limit
 * (or with the work); a call that ignores it is abandoned all the same, so a hung daemon can
 * never hold an instance. Whatever the call throws comes out as a RuntimeFault, which tells it
 * apart from the Manager's own (store) errors: only a runtime's fault fails an instance.
 */
export async function callRuntime<T>(
  options: {
    what: string;
    logger: LoggerService;
    signal: AbortSignal;
    timeoutMs: number;
    /** Asked before the call starts: false when the work's lease may have lapsed. */
    held?: () => boolean;
    /** The fault code at the limit: TIMEOUT, or PROVISION_TIMEOUT when the instance's deadline is nearer. */
    timeoutCode: 'TIMEOUT' | 'PROVISION_TIMEOUT';
  },
  call: (ctx: StepContext) => Promise<T>,
): Promise<T> {
  if (options.signal.aborted || options.held?.() === false) {
    throw new WorkAbortedError();
  }
  const limit = new AbortController();
  // no limit at all (a restore without a deadline); setTimeout takes Infinity as 1 ms
  const timer = Number.isFinite(options.timeoutMs)
    ? setTimeout(() => limit.abort(), Math.max(0, options.timeoutMs))
    : undefined;
  const signal = AbortSignal.any([options.signal, limit.signal]);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new WorkAbortedError());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([
      Promise.resolve().then(() => call({ logger: options.logger, signal })),
      aborted,
    ]);
  } catch (error) {
    if (options.signal.aborted || options.held?.() === false) {
      throw new WorkAbortedError();
    }
    if (limit.signal.aborted) {
      throw new RuntimeFault(
        options.timeoutCode,
        `${options.what} did not finish within ${seconds(options.timeoutMs)} s`,
      );
    }
    if (error instanceof RuntimeFault) throw error;
    throw new RuntimeFault(
      'INTERNAL',
      (error as Error).message ?? String(error),
    );
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function seconds(ms: number) {
  return ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000));
}
