import { InstanceStore, Lease } from '../store/InstanceStore';

/** What a worker holds while it works on one instance. */
export interface Work {
  /** Aborts when the lease is lost (another replica took over) or on shutdown. */
  signal: AbortSignal;
  /** Every write the worker makes is fenced by it. */
  lease: Lease;
}

/**
 * Runs `work` while this replica holds the instance's lease, renewing it as it goes. A renewal
 * that fails for a store error is tried again; the work is aborted only once the lease was
 * taken over, or could not be renewed for as long as it lasts. Does nothing when another
 * replica holds the lease.
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
  const lease = await store.work.claim(instanceId, replicaId, leaseMs);
  if (!lease) return;
  const lost = new AbortController();
  let renewedAt = Date.now();
  const renew = setInterval(async () => {
    try {
      if (await store.work.renew(lease, leaseMs)) renewedAt = Date.now();
      else lost.abort();
    } catch {
      if (Date.now() - renewedAt > leaseMs * 0.8) lost.abort();
    }
  }, Math.max(200, leaseMs / 3));
  try {
    await work({
      signal: AbortSignal.any([lost.signal, options.shutdown]),
      lease,
    });
  } finally {
    clearInterval(renew);
    await store.work.release(lease).catch(() => {}); // expires on its own
  }
}
