import { ArchivedWalFile, BackupStoreError } from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import { BackupDeps, backupTarget, KeyedQueue } from './backupDeps';
import { logKey } from './objectKeys';

/** How often a running server's log file is finished: the recovery point is at most this old. */
const CLOSE_EVERY_MS = 30_000;

/** One instance's shipping may hold up the others' no longer than this (it goes on meanwhile). */
const SHIP_TIMEOUT_MS = 120_000;

/** Statuses whose server may have finished log files waiting in its spool. */
const SHIPPING = ['running', 'recovering', 'stopped', 'deleting'] as const;

/**
 * Moves the log files each server finished (PostgreSQL WAL, MariaDB binary logs) from its
 * host's spool to the backup store: stored and recorded first, removed from the spool after,
 * so a crash in between ships the file again rather than losing it.
 */
export class LogShipper {
  private readonly queue = new KeyedQueue();
  /** When this replica last closed each instance's log file. */
  private readonly closedAt = new Map<string, number>();

  constructor(private readonly deps: BackupDeps) {}

  /** Every instance's spool; one that fails is logged and tried again next time. */
  async shipAll() {
    const instances = await this.deps.instances.listInstances({
      statuses: [...SHIPPING],
    });
    for (const instance of instances) {
      const runtime = this.deps.runtimes.get(instance.runtime);
      if (!runtime?.engine.backups || !instance.hostRef) continue;
      // a stopped database whose host stops too (an EC2 VM) cannot be reached: its spool waits
      if (instance.status === 'stopped' && runtime.host.stop) continue;
      await withTimeout(
        this.closeLogIfDue(instance).then(() => this.ship(instance)),
        SHIP_TIMEOUT_MS,
        `shipping took longer than ${SHIP_TIMEOUT_MS / 1000} s`,
      ).catch(error =>
        this.deps.logger.warn(
          `Shipping the log of ${
            instance.name
          } to the backup store failed; trying again later: ${
            (error as Error).message
          }`,
        ),
      );
    }
  }

  /** Finishes a running server's log file every 30 s, so that the log shipped is never older. */
  private async closeLogIfDue(instance: StoredInstance) {
    if (instance.status !== 'running') return;
    const last = this.closedAt.get(instance.id) ?? 0;
    if (Date.now() - last < CLOSE_EVERY_MS) return;
    this.closedAt.set(instance.id, Date.now());
    await this.closeLog(instance);
  }

  /** Finishes the log file the instance's server is writing (where its engine needs that). */
  async closeLog(instance: StoredInstance) {
    const { backups, host, spec } = backupTarget(this.deps, instance);
    await backups.closeLog?.(
      host,
      spec,
      this.deps.secretBox.open(instance.sealedSecrets),
    );
  }

  private async store(instance: StoredInstance, file: ArchivedWalFile) {
    const archivedAt = (file.archivedAt ?? new Date()).toISOString();
    const info = await this.deps.store.put(
      logKey(instance.id, file.name),
      await file.open(),
      { metadata: { 'archived-at': archivedAt, instance: instance.id } },
    );
    await this.deps.records.recordLog({
      instanceId: instance.id,
      name: file.name,
      size: info.size,
      sha256: info.sha256,
      archivedAt,
    });
    await file.remove();
  }

  /** Ships one instance's finished log files; returns their names. */
  ship(instance: StoredInstance): Promise<string[]> {
    return this.queue.run(instance.id, async () => {
      const { backups, host, spec } = backupTarget(this.deps, instance);
      const files = await backups.archivedWal(host, spec);
      // only the spool's names: an instance ships thousands of files a week
      const shipped = async () =>
        new Map(
          (
            await this.deps.records.recordedLogs(
              instance.id,
              files.map(f => f.name),
            )
          ).map(l => [l.name, l]),
        );
      let stored = await shipped();
      for (const file of files) {
        // stored by another replica (or before a crash): never put again over a good object
        if (stored.get(file.name)?.size === file.size) {
          await file.remove();
          continue;
        }
        try {
          await this.store(instance, file);
        } catch (error) {
          // another replica shipped and removed it meanwhile
          stored = await shipped();
          if (!stored.has(file.name)) throw error;
        }
      }
      return files.map(f => f.name);
    });
  }
}

export function isStoreOutage(error: unknown) {
  return (
    error instanceof BackupStoreError &&
    ['UNREACHABLE', 'PERMISSION'].includes(error.code)
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
