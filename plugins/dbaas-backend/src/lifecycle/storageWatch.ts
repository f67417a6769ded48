import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  EngineAdmin,
  EngineSecrets,
  EngineSpec,
  HostRef,
  Runtime,
} from '@dbaas/plugin-dbaas-node';
import { StorageState, StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { setReadOnly } from './readOnly';
import { requestResize } from './storageResize';
import { GIB, GROW_AT, nextStorageGiB, storageStateOf } from './storageLevels';
import { withLease, Work } from './workerLease';

/**
 * Measures what a running instance's files take and acts on it: past 80 % it grows the
 * storage (auto-grow, up to its cap) or warns the owner once; when the runtime's storage is
 * the Manager's to enforce (no real volume: local, Docker), a full storage makes the server
 * read-only until it grows. Returns the bytes used, for the metrics sample.
 *
 * A measurement can take seconds and a resize be asked and done meanwhile: what acts on the
 * server and the row runs under the instance's lease (never beside a worker's operation), on
 * the row read again there, and only while the instance is still as it was measured.
 */
export async function watchStorage(
  lc: LifecycleContext,
  instance: StoredInstance,
  runtime: Runtime,
  flavor: Flavor,
  host: HostRef,
  secrets: EngineSecrets,
  kick: (id: string) => void,
  signal: AbortSignal,
): Promise<number | undefined> {
  const admin = runtime.engine.admin;
  if (!admin) return undefined;
  const spec = lc.engineSpec(instance, flavor);
  const usedBytes = await admin.usedBytes(host, spec);
  await lc.options.store.recordStorageUse(instance.id, usedBytes);
  const enforced = !runtime.host.resizeStorage;
  const measured = { ...instance };
  if (!needsAction(measured, flavor, usedBytes, enforced)) return usedBytes;
  let grows: { next: number; message: string } | undefined;
  let worked = false;
  try {
    await underWatchLease(lc, instance.id, signal, async work => {
      worked = true;
      const fresh = await lc.options.store.getInstance(instance.id);
      if (!fresh || !stillAsMeasured(measured, fresh)) return;
      Object.assign(instance, fresh);
      grows = await markStorage(lc, instance, work, {
        admin,
        host,
        spec,
        secrets,
        flavor,
        usedBytes,
        enforced,
      });
    });
  } finally {
    // what was asked while the lease was held (an operation, a delete) found it taken
    if (worked) await kickWhatWaits(lc, instance.id, kick);
  }
  if (grows) {
    const asked = await requestResize(lc.options.store, instance, {
      storageGiB: grows.next,
      actor: ACTOR,
      message: grows.message,
    }).catch(() => undefined); // an operation asked for meanwhile goes first
    if (asked) {
      kick(instance.id);
      await lc.options.notifier.storage(asked, grows.message, 'normal');
    }
  }
  return usedBytes;
}

/** Hands the instance to a worker when it has an operation or is no longer just running. */
async function kickWhatWaits(
  lc: LifecycleContext,
  id: string,
  kick: (id: string) => void,
) {
  const now = await lc.options.store.getInstance(id).catch(() => undefined);
  if (now && (now.operation || now.status !== 'running')) kick(id);
}

/** Whether the measurement changes anything: a state, the read-only mark, or a growth. */
function needsAction(
  instance: StoredInstance,
  flavor: Flavor,
  usedBytes: number,
  enforced: boolean,
) {
  const state = storageStateOf(usedBytes, instance.storageGiB);
  const readOnly = enforced && state === 'full';
  const maxGiB = instance.storageMaxGiB ?? flavor.storageGiB.max;
  return (
    state !== instance.storageState ||
    readOnly !== instance.storageReadOnly ||
    // set again on every check while full: a restarted MariaDB forgets it
    readOnly ||
    (state !== 'ok' && instance.storageAutoGrow && instance.storageGiB < maxGiB)
  );
}

/** Whether the row is still the instance that was measured: same server, size and flavor. */
function stillAsMeasured(measured: StoredInstance, fresh: StoredInstance) {
  return (
    fresh.status === 'running' &&
    !fresh.operation &&
    fresh.storageGiB === measured.storageGiB &&
    fresh.flavorId === measured.flavorId &&
    JSON.stringify(fresh.hostRef) === JSON.stringify(measured.hostRef)
  );
}

/**
 * Runs `fn` under the instance's lease as the storage watch (an owner of its own, so this
 * replica's worker waits too); nothing when another holds it.
 */
function underWatchLease(
  lc: LifecycleContext,
  instanceId: string,
  signal: AbortSignal,
  fn: (work: Work) => Promise<void>,
) {
  return withLease(
    {
      store: lc.options.store,
      instanceId,
      replicaId: `${lc.options.replicaId}:storage-watch`,
      leaseMs: lc.options.leaseMs,
      shutdown: signal,
    },
    fn,
  );
}

/**
 * Under the lease: the server made read-only (or writable again) first, then the row's state
 * and mark, so a database marked read-only refuses writes; the owner hears of what needs
 * them. Returns the growth auto-grow asks for, if any.
 */
async function markStorage(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  m: {
    admin: EngineAdmin;
    host: HostRef;
    spec: EngineSpec;
    secrets: EngineSecrets;
    flavor: Flavor;
    usedBytes: number;
    enforced: boolean;
  },
) {
  const { usedBytes } = m;
  const state = storageStateOf(usedBytes, instance.storageGiB);
  const percent = Math.round((usedBytes / (instance.storageGiB * GIB)) * 100);
  const capGiB =
    state === 'ok' || !instance.storageAutoGrow
      ? instance.storageGiB
      : await growthCap(lc, instance, m.flavor);
  const grows =
    state !== 'ok' && instance.storageAutoGrow && instance.storageGiB < capGiB;
  const readOnly = m.enforced && state === 'full';
  if (readOnly || instance.storageReadOnly) {
    await lc.call(
      instance,
      work,
      readOnly ? 'making the server read-only' : 'accepting writes again',
      () => setReadOnly(m.admin, m.host, m.spec, m.secrets, readOnly),
    );
  }
  if (
    state !== instance.storageState ||
    readOnly !== instance.storageReadOnly
  ) {
    const message = describe(state, readOnly, percent, instance, capGiB, grows);
    const updated = await lc.update(
      instance,
      work,
      { storageState: state, storageReadOnly: readOnly },
      {
        type: 'health',
        message,
        actor: ACTOR,
        data: { storage: state, usedBytes, readOnly },
      },
    );
    if ((state === 'warning' && !grows) || readOnly) {
      await lc.options.notifier.storage(
        updated,
        message,
        readOnly ? 'high' : 'normal',
      );
    }
  }
  if (!grows) return undefined;
  const next = nextStorageGiB(instance.storageGiB, capGiB);
  return {
    next,
    message: `storage ${percent} % used: growing it from ${instance.storageGiB} to ${next} GiB`,
  };
}

/** How far auto-grow may go: `maxGiB` (else the flavor's maximum), within the owner's quota. */
async function growthCap(
  lc: LifecycleContext,
  instance: StoredInstance,
  flavor: Flavor,
) {
  const cap = instance.storageMaxGiB ?? flavor.storageGiB.max;
  const quotas = lc.options.quotas;
  if (!quotas) return cap;
  const quota = quotas.owners[instance.owner] ?? quotas.default;
  const usage = await lc.options.store.usage(instance.owner);
  const room = Math.max(0, quota.maxStorageGiB - usage.storageGiB);
  return Math.min(cap, instance.storageGiB + room);
}

function describe(
  state: StorageState,
  readOnly: boolean,
  percent: number,
  instance: StoredInstance,
  capGiB: number,
  grows: boolean,
) {
  const used = `storage ${percent} % used of ${instance.storageGiB} GiB`;
  if (readOnly) {
    return `${used}: the database is read-only until its storage grows (PATCH storageGiB)`;
  }
  if (instance.storageReadOnly)
    return `${used}: the database accepts writes again`;
  if (state === 'ok') return `${used}: back under ${GROW_AT * 100} %`;
  if (grows) return `${used}: growing`;
  const why = !instance.storageAutoGrow
    ? 'auto-grow is off'
    : `it is at its maximum of ${capGiB} GiB (storage.maxGiB, the flavor's or the owner's quota)`;
  return `${used} and ${why}: grow it (PATCH storageGiB) or free space`;
}
