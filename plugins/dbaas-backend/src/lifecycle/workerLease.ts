import { InstanceStore, Lease } from '../store/InstanceStore';

/** What a worker holds while it works on one instance. */
export interface Work {
  /** Aborts when the lease is lost (another replica took over) or on shutdown. */
  signal: AbortSignal;
  /** Every write the worker makes is fenced by it. */
  lease: Lease;
  /**
   * Whether the lease surely still holds, by this replica's own clock: false (and the signal
   * aborted) once no renewal was confirmed for 80% of the lease. Asked before each runtime
   * call, so a call never starts after the event loop stalled past the lease.
   */
  held(): boolean;
}

/**
 * Runs `work` while this replica holds the instance's lease, renewing it as it goes. A renewal
 * that fails for a store error is tried again. The work is aborted once the lease was taken
 * over, or once no renewal was confirmed for 80% of its length (counted from when the
 * renewal was sent, so a stalled event loop counts too). Does nothing when another replica
 * holds the lease.
 */
export async function withLease(
  options: {
    store: InstanceStore;
    instanceId: string;
    replicaId: string;
    leaseMs: number;
    shutdown: AbortSignal;
  },
  work: (work: Work) => Promise<void>,
) {
  const { store, instanceId, replicaId, leaseMs } = options;
  const claimedAt = Date.now();
  const lease = await store.work.claim(instanceId, replicaId, leaseMs);
  if (!lease) return;
  const lost = new AbortController();
  // when the last renewal the store confirmed was sent: the lease lasts leaseMs from then
  let confirmedAt = claimedAt;
  const held = () => {
    if (Date.now() - confirmedAt > leaseMs * 0.8) lost.abort();
    return !lost.signal.aborted;
  };
  const renew = setInterval(async () => {
    if (!held()) return;
    const sentAt = Date.now();
    try {
      if (await store.work.renew(lease, leaseMs)) confirmedAt = sentAt;
      else lost.abort();
    } catch {
      // a store error: the next tick tries again, until the lease may have lapsed
    }
  }, Math.max(100, leaseMs / 5));
  try {
    await work({
      signal: AbortSignal.any([lost.signal, options.shutdown]),
      lease,
      held,
    });
  } finally {
    clearInterval(renew);
    await store.work.release(lease).catch(() => {}); // expires on its own
  }
}
