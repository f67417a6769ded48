import { setTimeout as delay } from 'timers/promises';

export interface UntilOptions<T> {
  /** How long to keep reading before giving up (default 10 s). */
  timeoutMs?: number;
  /** The pause between two reads (default 50 ms). */
  intervalMs?: number;
  /** How the error shows the value read last (default: as JSON). */
  show?: (value: T) => string;
}

/**
 * Reads until `done` holds for what was read, and returns that. Bounded: after `timeoutMs`
 * it throws, saying what it waited for and what it read last.
 */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: UntilOptions<T> = {},
): Promise<T> {
  const {
    timeoutMs = 10_000,
    intervalMs = 50,
    show = value => JSON.stringify(value) ?? String(value),
  } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `Waited ${timeoutMs / 1000} s for ${what}; last seen: ${show(value)}`,
      );
    }
    await delay(intervalMs);
  }
}
