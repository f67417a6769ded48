import { DEFAULT_BACKUP_POLICY } from '@dbaas/plugin-dbaas-common';
import { StoredBackup } from '../store/BackupRecords';
import { StoredInstance } from '../store/InstanceStore';
import { BackupDeps } from './backupDeps';
import { nextScheduledRun } from './backupPolicy';
import { BackupRunner } from './BackupRunner';
import { baseBackupKey, logKey } from './objectKeys';
import { prunable } from './retention';

/** A scheduled backup that failed is tried again after this long, not only at the next slot. */
const RETRY_FAILED_MS = 15 * 60_000;

/**
 * Scheduled backups and retention, from one global task (one replica at a time): starts the
 * backups whose schedule came due (a few per run, so that a shared schedule does not start
 * every instance's at once), then deletes what retention no longer keeps.
 */
export class BackupScheduler {
  constructor(
    private readonly deps: BackupDeps & { runner: BackupRunner },
    private readonly options: {
      maxStartsPerRun?: number;
      now?: () => Date;
    } = {},
  ) {}

  async run() {
    await this.startDue();
    await this.prune();
  }

  /** Starts the scheduled backups that are due; returns the instances they are of. */
  async startDue(): Promise<string[]> {
    const { instances, records, runtimes, runner, logger } = this.deps;
    const now = this.now();
    const started: string[] = [];
    for (const instance of await instances.listInstances({
      statuses: ['running'],
    })) {
      if (started.length >= (this.options.maxStartsPerRun ?? 4)) break;
      const schedule = instance.backupPolicy?.schedule;
      if (!schedule || !runtimes.get(instance.runtime)?.engine.backups) {
        continue;
      }
      if (instance.operation) continue; // a stop or restart: next run
      const backups = await records.list(instance.id);
      if (backups.some(b => b.status === 'running')) continue;
      const due = dueAt(schedule, instance, backups[0]);
      if (!due || due > now) continue;
      await runner
        .start(instance, 'scheduled', 'dbaas')
        .catch(error =>
          logger.warn(
            `Starting the scheduled backup of ${instance.name} failed: ${error}`,
          ),
        );
      started.push(instance.id);
    }
    return started;
  }

  /** Deletes, for every instance with backups, what its retention no longer keeps. */
  async prune() {
    const { instances, records, store, logger } = this.deps;
    const pinned = await restoresInProgress(instances);
    for (const id of await records.instanceIds()) {
      const instance = await instances.getInstance(id);
      const policy = instance?.backupPolicy ?? DEFAULT_BACKUP_POLICY;
      const live = instance !== undefined && instance.status !== 'deleted';
      const gone = prunable(
        policy,
        await records.list(id),
        await records.logs(id),
        { live, now: this.now(), pinned },
      );
      try {
        for (const backup of gone.backups) {
          // a failed backup's object, should one have been left, goes too
          await store.delete(
            backup.objectKey ?? baseBackupKey(backup.instanceId, backup.id),
          );
          await records.delete(backup.id);
        }
        for (const log of gone.logs) {
          await store.delete(logKey(id, log.name));
        }
        await records.deleteLogs(
          id,
          gone.logs.map(l => l.name),
        );
      } catch (error) {
        logger.warn(
          `Retention of the backups of instance ${id} failed; trying again later: ${error}`,
        );
      }
    }
  }

  private now() {
    return this.options.now?.() ?? new Date();
  }
}

/** When the next scheduled backup of the instance is due, after its newest backup. */
function dueAt(
  schedule: string,
  instance: StoredInstance,
  newest: StoredBackup | undefined,
): Date | undefined {
  if (newest?.status === 'failed' && newest.trigger === 'scheduled') {
    const retry = new Date(Date.parse(newest.startedAt) + RETRY_FAILED_MS);
    const next = nextScheduledRun(schedule, new Date(newest.startedAt));
    return next && next < retry ? next : retry;
  }
  const since = newest?.startedAt ?? instance.readyAt ?? instance.createdAt;
  return nextScheduledRun(schedule, new Date(since));
}

/** The backups that creates still to restore read: retention and deletes leave them alone. */
export async function restoresInProgress(
  instances: BackupDeps['instances'],
): Promise<Set<string>> {
  const pending = await instances.listInstances({ statuses: ['provisioning'] });
  return new Set(
    pending
      .filter(i => i.restoreFrom && !i.restoreFrom.restoredAt)
      .map(i => i.restoreFrom!.backupId),
  );
}
