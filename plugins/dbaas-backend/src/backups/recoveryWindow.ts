import { RecoveryWindow } from '@dbaas/plugin-dbaas-common';
import { ArchivedLog, StoredBackup } from '../store/BackupRecords';

/**
 * The moments an instance can be restored to: from the end of its oldest completed backup to
 * the last log file shipped after it (or the newest backup's end, when no log came later).
 */
export function recoveryWindow(
  backups: StoredBackup[],
  logs: ArchivedLog[],
): RecoveryWindow {
  const ends = backups
    .filter(b => b.status === 'completed' && b.restorableFrom)
    .map(b => b.restorableFrom!)
    .sort();
  if (!ends.length) return { earliest: null, latest: null };
  const lastLog = logs
    .map(l => l.archivedAt)
    .sort()
    .pop();
  const newest = ends[ends.length - 1];
  return {
    earliest: ends[0],
    latest: lastLog && lastLog > newest ? lastLog : newest,
  };
}

/** Whether `at` lies inside the window. */
export function insideWindow(window: RecoveryWindow, at: Date) {
  if (!window.earliest || !window.latest) return false;
  const t = at.getTime();
  return t >= Date.parse(window.earliest) && t <= Date.parse(window.latest);
}
