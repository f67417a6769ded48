import { BackupPolicy } from '@dbaas/plugin-dbaas-common';
import { ArchivedLog, StoredBackup } from '../store/BackupRecords';

/** What retention removes of one instance: backups (with their objects) and log files. */
export interface Prunable {
  backups: StoredBackup[];
  logs: ArchivedLog[];
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The backups and log files an instance's policy no longer keeps. A completed backup goes when
 * it is older than `retentionDays` or beyond the newest `retentionCount`; failed ones after
 * `retentionDays`. A live instance always keeps its newest completed backup, the base its
 * window needs; log files go once they precede the oldest backup kept (all of them when none is).
 */
export function prunable(
  policy: BackupPolicy,
  backups: StoredBackup[],
  logs: ArchivedLog[],
  options: {
    live: boolean;
    now: Date;
    /** Backups a restore in progress reads: kept, with the log from them on. */
    pinned?: Set<string>;
  },
): Prunable {
  const cutoff = options.now.getTime() - policy.retentionDays * DAY_MS;
  const old = (b: StoredBackup) =>
    Date.parse(b.completedAt ?? b.startedAt) < cutoff;
  const completed = backups
    .filter(b => b.status === 'completed')
    .sort((a, b) => b.restorableFrom!.localeCompare(a.restorableFrom!));
  const kept = completed.filter(
    (b, i) =>
      (options.live && i === 0) ||
      options.pinned?.has(b.id) ||
      (!old(b) && (!policy.retentionCount || i < policy.retentionCount)),
  );
  const gone = [
    ...completed.filter(b => !kept.includes(b)),
    ...backups.filter(b => b.status === 'failed' && old(b)),
  ];
  const oldest = kept[kept.length - 1];
  const start = oldest?.walStart ?? '';
  // names of one kind have one length and sort by position; others (histories) stay
  let goneLogs = options.live ? [] : logs;
  if (oldest) {
    goneLogs = logs.filter(
      l => l.name.length === start.length && l.name < start,
    );
  }
  return { backups: gone, logs: goneLogs };
}
