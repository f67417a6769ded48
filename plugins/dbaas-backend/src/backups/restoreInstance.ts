import {
  BackupStore,
  EngineBackups,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RestoreResult,
  RuntimeFault,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { pipeline } from 'stream/promises';
import { ArchivedLog, BackupRecords } from '../store/BackupRecords';
import { RestoreSource } from '../store/InstanceStore';
import { logKey } from './objectKeys';

/**
 * Fills a new instance's host from its source's backup and shipped log, as the backup store
 * holds them: every object's checksum is verified as it streams, and a restore that fails
 * leaves nothing running.
 */
export async function restoreInstance(
  deps: { store: BackupStore; records: BackupRecords },
  source: RestoreSource,
  target: {
    backups: EngineBackups;
    host: HostRef;
    spec: EngineSpec;
    secrets: EngineSecrets;
  },
  ctx: StepContext,
): Promise<RestoreResult> {
  const backup = await deps.records.get(source.backupId);
  if (!backup || backup.status !== 'completed' || !backup.objectKey) {
    throw new RuntimeFault(
      'ENGINE_START_FAILED',
      `backup ${source.backupId} is no longer there to restore from`,
    );
  }
  const targetTime = source.targetTime
    ? new Date(source.targetTime)
    : undefined;
  const logs = logsToReplay(
    await deps.records.logs(backup.instanceId),
    backup,
    targetTime !== undefined,
  );
  const walDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-restore-log-'));
  try {
    for (const log of logs) {
      const key = logKey(backup.instanceId, log.name);
      const { info, body } = await deps.store.get(key);
      recorded(key, info.sha256, log.sha256, body);
      await pipeline(body, fs.createWriteStream(path.join(walDir, log.name)));
      ctx.signal.throwIfAborted();
    }
    const { info, body } = await deps.store.get(backup.objectKey);
    recorded(backup.objectKey, info.sha256, backup.sha256, body);
    return await target.backups.restore(
      target.host,
      target.spec,
      target.secrets,
      {
        backup: body,
        walDir,
        targetTime,
        backupStoppedAt: backup.restorableFrom
          ? new Date(backup.restorableFrom)
          : undefined,
        logEndsAt: targetTime
          ? lastArchived(logs) ?? new Date(backup.restorableFrom!)
          : undefined,
      },
      ctx,
    );
  } finally {
    fs.rmSync(walDir, { recursive: true, force: true });
  }
}

/**
 * The shipped log files a restore needs: to a point in time, everything from the backup's
 * first file on; of the backup alone, its own files (none for a self-contained backup).
 */
export function logsToReplay(
  logs: ArchivedLog[],
  backup: { walStart: string | null; walStop: string | null },
  toPointInTime: boolean,
): ArchivedLog[] {
  const start = backup.walStart ?? '';
  // names of one kind have one length and sort by position; others (timeline histories) are kept
  const notBefore = (name: string, mark: string) =>
    name.length !== mark.length || name >= mark;
  if (toPointInTime) return logs.filter(l => notBefore(l.name, start));
  const stop = backup.walStop;
  if (!stop) return [];
  return logs.filter(
    l => l.name.length === stop.length && l.name >= start && l.name <= stop,
  );
}

function lastArchived(logs: ArchivedLog[]): Date | undefined {
  const last = logs
    .map(l => l.archivedAt)
    .sort()
    .pop();
  return last ? new Date(last) : undefined;
}

/** The object is the one the Manager recorded (the store checks the bytes against it as they stream). */
function recorded(
  key: string,
  stored: string,
  expected: string | null,
  body: { destroy(): void },
) {
  if (expected && stored !== expected) {
    body.destroy();
    throw new RuntimeFault(
      'ENGINE_START_FAILED',
      `backup object '${key}' is not the one recorded: SHA-256 ${stored}, recorded ${expected}`,
    );
  }
}
