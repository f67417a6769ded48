import { Readable } from 'stream';
import { BaseBackup, RecoveryWindowFault, RestoreRequest } from '../runtime';
import { guardedBackup, lastLines } from './backupStream';

/**
 * MariaDB's backups as every runtime running the flavor images takes them, whichever way it
 * runs a command in the server's container: the image's `dbaas-dump.sh` writes a logical,
 * self-contained dump of the application database into DUMP_DIR, the runtime reads it out as
 * a tar holding DUMP_NAME (Docker's archive API, `tar -c` through a pod's exec), and a restore
 * puts that tar into `/tmp` of a new, initialized server and runs `dbaas-load.sh`.
 */

/** Where dbaas-dump.sh writes the dump in the container; the backup's tar names it so. */
export const DUMP_DIR = '/tmp/dbaas-backup';
export const DUMP_NAME = 'dbaas-backup.sql';
/** Where a restore's tar puts the dump, for dbaas-load.sh. */
export const DUMP_RESTORE_PATH = `/tmp/${DUMP_NAME}`;

/**
 * A dump as a BaseBackup: `dump` runs `dbaas-dump.sh <DUMP_DIR/DUMP_NAME>`, `read` answers the
 * tar of it, `clean` removes DUMP_DIR. The stream errors, never ends, when a step fails, the
 * backup is cancelled through `signal`, or the reader closes it early.
 */
export function dumpBackup(
  steps: {
    dump(file: string): Promise<{ exitCode: number; stderr: string }>;
    read(): Promise<Readable>;
    clean(): Promise<void>;
  },
  signal: AbortSignal,
): BaseBackup {
  return guardedBackup(signal, async pipeFrom => {
    try {
      const dump = await steps.dump(`${DUMP_DIR}/${DUMP_NAME}`);
      if (dump.exitCode !== 0) {
        throw new Error(
          `dbaas-dump.sh exited with code ${dump.exitCode}: ${lastLines(
            dump.stderr,
          )}`,
        );
      }
      const startedAt = dump.stderr.match(/dbaas-dump: started-at ([\d.]+)/);
      if (!startedAt) {
        throw new Error('dbaas-dump.sh did not report when it started');
      }
      signal.throwIfAborted();
      await pipeFrom(await steps.read());
      await steps.clean();
      // the dump holds the database as of its snapshot, taken as it started
      const at = new Date(Math.round(Number(startedAt[1]) * 1000));
      return {
        startLsn: '',
        stopLsn: '',
        startWalFile: '',
        stopWalFile: '',
        startedAt: at,
        stoppedAt: at,
        selfContained: true,
      };
    } catch (error) {
      await steps.clean().catch(() => {});
      throw error;
    }
  });
}

/**
 * A dump restores to its own moment only (no log is replayed), or to one with nothing
 * committed since (up to where the Manager's record of the log ends): another target is a
 * RecoveryWindowFault, and the backup stream is destroyed.
 */
export function requireDumpTarget(request: RestoreRequest) {
  const { targetTime, backupStoppedAt, logEndsAt } = request;
  const beyond =
    targetTime &&
    backupStoppedAt &&
    targetTime > backupStoppedAt &&
    !(logEndsAt && targetTime <= logEndsAt);
  if (
    targetTime &&
    backupStoppedAt &&
    (targetTime < backupStoppedAt || beyond)
  ) {
    request.backup.destroy();
    throw new RecoveryWindowFault(
      targetTime,
      backupStoppedAt,
      logEndsAt ?? backupStoppedAt,
    );
  }
}
