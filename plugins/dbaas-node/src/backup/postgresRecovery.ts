import { RecoveryWindowFault, RestoreRequest, RuntimeFault } from '../runtime';

/**
 * What every runtime's PostgreSQL restore reads from the server's log: why a recovery stopped,
 * and the last transaction it replayed.
 */

/**
 * Why a recovery stopped, from the server's log: the target outside what the base backup and
 * the archived WAL cover (a RecoveryWindowFault naming the window), or the WAL short of the
 * backup's end; undefined when the log does not say.
 */
export function recoveryFailure(
  log: string,
  targetTime: Date | undefined,
  earliest: Date | undefined,
): RuntimeFault | undefined {
  if (
    targetTime &&
    /requested recovery stop point is before consistent recovery point/.test(
      log,
    )
  ) {
    return new RecoveryWindowFault(targetTime, earliest);
  }
  if (
    targetTime &&
    /recovery ended before configured recovery target was reached/.test(log)
  ) {
    return new RecoveryWindowFault(targetTime, earliest, lastTransaction(log));
  }
  if (
    /WAL ends before (end of online backup|consistent recovery point)/.test(log)
  ) {
    return new RuntimeFault(
      'ENGINE_START_FAILED',
      'the archived WAL ends before the end of the base backup: files from its startWalFile on are missing',
    );
  }
  return undefined;
}

/** The commit time of the last transaction the recovery replayed, as the server logs it. */
export function lastTransaction(log: string): Date | undefined {
  const matches = [
    ...log.matchAll(
      /last completed transaction was at log time (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::?(\d\d))?/g,
    ),
  ];
  const last = matches[matches.length - 1];
  if (!last) return undefined;
  const [, day, time, hours, minutes = '00'] = last;
  return new Date(`${day}T${time}${hours}:${minutes}`);
}

/** The START TIME of a backup_label, when written in UTC (the runtimes' servers log in UTC). */
export function labelStartTime(label: string): Date | undefined {
  const match = label.match(
    /^START TIME: (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) (UTC|GMT)$/m,
  );
  return match ? new Date(`${match[1]}T${match[2]}Z`) : undefined;
}

/**
 * A target the log's commits end before, though the log itself reaches it: the restore then
 * recovers to the end of the log (nothing was committed in between).
 */
export function pastLastCommit(error: unknown, request: RestoreRequest) {
  if (!(error instanceof RecoveryWindowFault)) return false;
  // no commit replayed at all: the log's commits end before the backup's end
  const lastCommit = error.latest ?? request.backupStoppedAt;
  return (
    request.targetTime !== undefined &&
    request.logEndsAt !== undefined &&
    lastCommit !== undefined &&
    request.targetTime > lastCommit &&
    request.targetTime <= request.logEndsAt
  );
}

/** `2024-05-01 12:00:00.123+00`: the form recovery_target_time accepts (no ISO `T`/`Z`). */
export function postgresTime(time: Date) {
  return time.toISOString().replace('T', ' ').replace('Z', '+00');
}

/**
 * The earliest moment a restore of this backup reaches: the backup's end as the Manager
 * recorded it, else its label's start; a target before it is a RecoveryWindowFault.
 */
export function earliestRestorable(
  request: Pick<RestoreRequest, 'targetTime' | 'backupStoppedAt'>,
  label: string,
): Date | undefined {
  const { targetTime } = request;
  const earliest = request.backupStoppedAt ?? labelStartTime(label);
  if (targetTime && earliest && targetTime < earliest) {
    throw new RecoveryWindowFault(targetTime, earliest);
  }
  return earliest;
}
