import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  EngineAdmin,
  EngineSecrets,
  EngineSpec,
  HostRef,
  Runtime,
} from '@dbaas/plugin-dbaas-node';
import {
  StaleInstanceError,
  StorageState,
  StoredInstance,
} from '../store/InstanceStore';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { setReadOnly } from './readOnly';
import { requestResize } from './storageResize';
import { GIB, GROW_AT, nextStorageGiB, storageStateOf } from './storageLevels';

/**
 * Measures what a running instance's files take and acts on it: past 80 % it grows the
 * storage (auto-grow, up to its cap) or warns the owner once; when the runtime's storage is
 * the Manager's to enforce (no real volume: local, Docker), a full storage makes the server
 * read-only until it grows. Returns the bytes used, for the metrics sample.
 */
export async function watchStorage(
  lc: LifecycleContext,
  instance: StoredInstance,
  runtime: Runtime,
  flavor: Flavor,
  host: HostRef,
  secrets: EngineSecrets,
  kick: (id: string) => void,
): Promise<number | undefined> {
  const admin = runtime.engine.admin;
  if (!admin) return undefined;
  const spec = lc.engineSpec(instance, flavor);
  const usedBytes = await admin.usedBytes(host, spec);
  await lc.options.store.recordStorageUse(instance.id, usedBytes);
  // measured against the size read before: a resize asked or done meanwhile decides instead
  if (!(await stillAsMeasured(lc, instance))) return usedBytes;
  const state = storageStateOf(usedBytes, instance.storageGiB);
  const percent = Math.round((usedBytes / (instance.storageGiB * GIB)) * 100);
  const capGiB =
    state === 'ok' || !instance.storageAutoGrow
      ? instance.storageGiB
      : await growthCap(lc, instance, flavor);
  const grows =
    state !== 'ok' &&
    instance.storageAutoGrow &&
    instance.storageGiB < capGiB &&
    !instance.operation;
  const enforced = !runtime.host.resizeStorage;
  const readOnly = enforced && state === 'full';
  // set again on every check while full (a restarted MariaDB forgets it), and before the
  // mark is recorded: a database marked read-only refuses writes
  if (readOnly || instance.storageReadOnly) {
    await setReadOnly(admin, host, spec, secrets, readOnly);
  }
  const undoIfResized = () =>
    readOnly
      ? liftIfResizedMeanwhile(lc, instance, admin, host, spec, secrets)
      : undefined;
  if (
    state !== instance.storageState ||
    readOnly !== instance.storageReadOnly
  ) {
    const message = describe(state, readOnly, percent, instance, capGiB, grows);
    const updated = await lc.options.store
      .updateInstance(
        instance.id,
        { storageState: state, storageReadOnly: readOnly },
        {
          type: 'health',
          message,
          actor: ACTOR,
          data: { storage: state, usedBytes, readOnly },
        },
        {
          status: 'running',
          noOperation: true,
          storageGiB: instance.storageGiB,
        },
      )
      .catch(error => {
        if (error instanceof StaleInstanceError) return undefined;
        throw error;
      });
    if (!updated) {
      // a resize came first: it decides, and the next check measures again
      await undoIfResized();
      return usedBytes;
    }
    Object.assign(instance, updated);
    await lc.options.notifier.changed(updated);
    // the owner hears of what needs them: a warning that nothing fixes, a full storage
    if ((state === 'warning' && !grows) || readOnly) {
      await lc.options.notifier.storage(
        updated,
        message,
        readOnly ? 'high' : 'normal',
      );
    }
  }
  await undoIfResized();
  // after the read-only mark: the resize that lifts it sees it
  if (grows) {
    const next = nextStorageGiB(instance.storageGiB, capGiB);
    const message = `storage ${percent} % used: growing it from ${instance.storageGiB} to ${next} GiB`;
    const asked = await requestResize(lc.options.store, instance, {
      storageGiB: next,
      actor: ACTOR,
      message,
    }).catch(() => undefined); // an operation asked for meanwhile goes first
    if (asked) {
      kick(instance.id);
      await lc.options.notifier.storage(asked, message, 'normal');
    }
  }
  return usedBytes;
}

/**
 * Whether the instance is still as it was read for the measurement (running, the same size,
 * no operation under way); the fresh row replaces the snapshot.
 */
async function stillAsMeasured(lc: LifecycleContext, instance: StoredInstance) {
  const fresh = await lc.options.store.getInstance(instance.id);
  if (
    !fresh ||
    fresh.status !== 'running' ||
    fresh.operation ||
    fresh.storageGiB !== instance.storageGiB
  ) {
    return false;
  }
  Object.assign(instance, fresh);
  return true;
}

/**
 * A resize asked while the server was being made read-only may have lifted it before the
 * read-only setting arrived: then writes are taken again (the next check decides anew).
 */
async function liftIfResizedMeanwhile(
  lc: LifecycleContext,
  instance: StoredInstance,
  admin: EngineAdmin,
  host: HostRef,
  spec: EngineSpec,
  secrets: EngineSecrets,
) {
  const fresh = await lc.options.store.getInstance(instance.id);
  if (
    !fresh ||
    fresh.status !== 'running' ||
    (fresh.storageReadOnly &&
      fresh.storageGiB === instance.storageGiB &&
      fresh.operation?.type !== 'resize-storage')
  ) {
    return;
  }
  await setReadOnly(admin, host, spec, secrets, false);
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
