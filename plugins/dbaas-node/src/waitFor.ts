import { setTimeout as delay } from 'timers/promises';
import { RuntimeFault, StepContext } from './runtime';

export interface WaitOptions {
  /** Epoch ms after which waiting fails with `fault` (default HOST_UNAVAILABLE). */
  deadline: number;
  intervalMs: number;
  /** Shown in the task log every `reportEveryMs`, and in the timeout error. */
  what: string;
  timeoutHint: string | (() => string);
  reportEveryMs?: number;
  fault?: RuntimeFault['code'];
}

/**
 * Polls `check` until it returns a value, the step is cancelled, or the deadline passes.
 * `check` returns undefined to keep waiting, or throws to stop.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  ctx: StepContext,
  options: WaitOptions,
): Promise<T> {
  const started = Date.now();
  let reported = started;
  for (;;) {
    ctx.signal.throwIfAborted();
    const value = await check();
    if (value !== undefined) return value;
    const now = Date.now();
    if (now > options.deadline) {
      throw new RuntimeFault(
        options.fault ?? 'HOST_UNAVAILABLE',
        `Timed out after ${Math.round((now - started) / 1000)} s waiting for ${
          options.what
        } (${
          typeof options.timeoutHint === 'function'
            ? options.timeoutHint()
            : options.timeoutHint
        })`,
      );
    }
    if (now - reported >= (options.reportEveryMs ?? 30_000)) {
      reported = now;
      ctx.logger.info(
        `Still waiting for ${options.what} (${Math.round(
          (now - started) / 1000,
        )} s)`,
      );
    }
    await sleep(options.intervalMs, ctx.signal);
  }
}

/** Waits `ms`, or less when the signal aborts (then resolves, never rejects). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => {});
}
