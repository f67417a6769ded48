import { BackupFault, BackupTrigger } from '@dbaas/plugin-dbaas-common';
import { BackupStoreError, RuntimeFault } from '@dbaas/plugin-dbaas-node';
import crypto from 'crypto';
import { StoredBackup } from '../store/BackupRecords';
import { StoredInstance } from '../store/InstanceStore';
import { BackupDeps, backupTarget } from './backupDeps';
import { isStoreOutage, LogShipper } from './LogShipper';
import { baseBackupKey, logKey } from './objectKeys';

/** Attempts at a backup the backup store's outage interrupts, and the wait before the next. */
const STORE_ATTEMPTS = 3;
const STORE_RETRY_MS = 2000;

/**
 * Takes base backups: records the backup `running` under this replica's lease, streams the
 * server's backup into the backup store while renewing the lease, ships the log the backup
 * needs, and only then records it `completed`. A backup that fails leaves no object and ends
 * `failed` with a typed fault; one whose replica dies is failed by the next `failAbandoned`.
 */
export class BackupRunner {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: BackupDeps,
    private readonly shipper: LogShipper,
  ) {}

  /** Records a new running backup of the instance and starts it in the background. */
  async start(
    instance: StoredInstance,
    trigger: BackupTrigger,
    requestedBy: string,
  ): Promise<StoredBackup> {
    const backup = await this.deps.records.start({
      id: crypto.randomUUID(),
      instanceId: instance.id,
      trigger,
      requestedBy,
      owner: this.deps.replicaId,
      leaseMs: this.deps.leaseMs,
    });
    const run = this.run(instance, backup).finally(() =>
      this.running.delete(backup.id),
    );
    this.running.set(backup.id, run);
    return backup;
  }

  /** Settles when the backup this replica runs has ended (at once for any other). */
  async settled(backupId: string) {
    await this.running.get(backupId);
  }

  /** Waits for every backup this replica runs (on shutdown, in tests). */
  async drain() {
    await Promise.allSettled([...this.running.values()]);
  }

  private async run(instance: StoredInstance, backup: StoredBackup) {
    const { records, logger, replicaId } = this.deps;
    const log = logger.child({ instanceId: instance.id, backupId: backup.id });
    for (let attempt = 1; ; attempt++) {
      const abort = new AbortController();
      const renewal = setInterval(async () => {
        const held = await records
          .renew(backup.id, replicaId, this.deps.leaseMs)
          .catch(() => true); // a store hiccup: the lease still runs
        if (!held) abort.abort(new Error('the backup was failed meanwhile'));
      }, Math.max(1000, this.deps.leaseMs / 3));
      try {
        await this.attempt(instance, backup, abort.signal);
        log.info(`Backup ${backup.id} of ${instance.name} completed`);
        this.deps.managerMetrics?.backupEnded('completed', backup.startedAt);
        return;
      } catch (error) {
        if (isStoreOutage(error) && attempt < STORE_ATTEMPTS) {
          log.warn(
            `Backup ${backup.id} of ${
              instance.name
            }: the backup store failed (${
              (error as Error).message
            }); trying again`,
          );
          await new Promise(r => setTimeout(r, STORE_RETRY_MS * attempt));
          continue;
        }
        const fault = backupFault(error);
        log.warn(
          `Backup ${backup.id} of ${instance.name} failed: ${fault.message}`,
        );
        this.deps.managerMetrics?.backupEnded('failed', backup.startedAt);
        this.deps.managerMetrics?.fault(fault.code, 'backup');
        await records
          .fail(backup.id, fault, replicaId)
          .catch(e =>
            log.error(`Recording the failure of backup ${backup.id}: ${e}`),
          );
        return;
      } finally {
        clearInterval(renewal);
      }
    }
  }

  private async attempt(
    instance: StoredInstance,
    backup: StoredBackup,
    signal: AbortSignal,
  ) {
    const { store, records, replicaId, secretBox, logger } = this.deps;
    const { backups, host, spec } = backupTarget(this.deps, instance);
    const key = baseBackupKey(instance.id, backup.id);
    const base = await backups.baseBackup(
      host,
      spec,
      secretBox.open(instance.sealedSecrets),
      { logger: logger.child({ instanceId: instance.id }), signal },
    );
    try {
      base.result.catch(() => {}); // awaited below; the put carries a failure first
      const [info, result] = await Promise.all([
        store.put(key, base.stream, {
          signal,
          metadata: { instance: instance.id, backup: backup.id },
        }),
        base.result,
      ]);
      // the log up to the backup's end: what it needs to restore, and what PITR starts from
      await this.shipper.closeLog(instance);
      await this.shipper.ship(instance);
      if (!result.selfContained) {
        await store.head(logKey(instance.id, result.stopWalFile));
      }
      const completed = await records.complete(backup.id, replicaId, {
        objectKey: key,
        size: info.size,
        sha256: info.sha256,
        restorableFrom: result.stoppedAt.toISOString(),
        walStart: result.startWalFile,
        walStop: result.selfContained ? '' : result.stopWalFile,
      });
      if (!completed) throw new Error('the backup was failed meanwhile');
    } catch (error) {
      base.stream.destroy();
      // the put may have completed before the failure: nothing of a failed backup stays
      await store.delete(key).catch(() => {});
      throw error;
    }
  }
}

/** The typed fault a failed backup records; never a credential (errors carry none). */
export function backupFault(error: unknown): BackupFault {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof RuntimeFault) return { code: error.code, message };
  if (isStoreOutage(error))
    return { code: 'BACKUP_STORE_UNAVAILABLE', message };
  if (error instanceof BackupStoreError && error.code === 'NOT_FOUND') {
    return {
      code: 'INTERNAL',
      message: `the log the backup needs did not reach the backup store: ${message}`,
    };
  }
  return { code: 'INTERNAL', message };
}
