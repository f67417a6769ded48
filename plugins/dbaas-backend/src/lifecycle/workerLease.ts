import { InstanceStore } from '../store/InstanceStore';

/**
 * Runs `work` while this replica holds the instance's lease in the store, renewing it as it
 * goes; the signal aborts when the lease is lost (another replica took over) or on shutdown.
 * Does nothing when another replica holds the lease.
 */
export async function withLease(
  options: {
    store: InstanceStore;
    instanceId: string;
    replicaId: string;
    leaseMs: number;
    shutdown: AbortSignal;
  },
  work: (signal: AbortSignal) => Promise<void>,
) {
  const { store, instanceId, replicaId, leaseMs } = options;
  if (!(await store.claim(instanceId, replicaId, leaseMs))) return;
  const lost = new AbortController();
  const renew = setInterval(async () => {
    if (
      !(await store.claim(instanceId, replicaId, leaseMs).catch(() => false))
    ) {
      lost.abort();
    }
  }, Math.max(1000, leaseMs / 3));
  try {
    await work(AbortSignal.any([lost.signal, options.shutdown]));
  } finally {
    clearInterval(renew);
    await store.release(instanceId, replicaId);
  }
}
