import { Readable } from 'stream';
import { finished } from 'stream/promises';
import { WAL_SPOOL_PATH } from '../imageContract';
import { BaseBackup, BaseBackupResult } from '../runtime';
import { guardedBackup, lastLines } from './backupStream';

/**
 * The parts of a PostgreSQL backup that every runtime running the flavor images shares,
 * whichever way it runs a command in the server's container (Docker's exec, a pod's exec):
 * the image's `dbaas-basebackup.sh` output as a BaseBackup, the spool's listing, the WAL
 * switch.
 */

/** initdb's default, which the image keeps. */
const WAL_SEGMENT_BYTES = 16n * 1024n * 1024n;

/** The names the server archives: segments, partial segments, backup history, timeline history. */
const ARCHIVED =
  /^([0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$/;

/** Lists the spool's finished files (a hidden `.name.tmp` is one being copied): name, size, mtime. */
export const SPOOL_LISTING_COMMAND = [
  'find',
  WAL_SPOOL_PATH,
  '-maxdepth',
  '1',
  '-type',
  'f',
  '-printf',
  '%f\\t%s\\t%T@\\n',
];

/** Finishes the WAL segment being written (nothing when it is empty), as the image's superuser. */
export const SWITCH_WAL_COMMAND = [
  'bash',
  '-c',
  'PGPASSWORD="$(cat "$DBAAS_ADMIN_PASSWORD_FILE")" psql -XAtq -h /run/postgresql -U postgres -d template1 -c "SELECT pg_switch_wal()" > /dev/null',
];

/** What SPOOL_LISTING_COMMAND printed: the archived files, oldest first. */
export function parseSpoolListing(
  listing: string,
): { name: string; size: number; archivedAt: Date; path: string }[] {
  const files = [];
  for (const line of listing.split('\n')) {
    const [name, size, mtime] = line.split('\t');
    if (!name || !ARCHIVED.test(name)) continue;
    files.push({
      name,
      size: Number(size),
      archivedAt: new Date(Math.round(Number(mtime) * 1000)),
      path: `${WAL_SPOOL_PATH}/${name}`,
    });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The label a base backup is taken with (the history file is found by it). */
export function backupLabel() {
  return `dbaas ${new Date().toISOString()}`;
}

/**
 * `dbaas-basebackup.sh` running in the server's container (its stdout the tar, its stderr the
 * report) as a BaseBackup: the stream errors, never ends, when the script fails, is cancelled
 * through `signal`, or the reader closes it early. Destroying `exec.stdout` must end the command.
 */
export function baseBackupFromExec(
  exec: { stdout: Readable; stderr: Readable; exitCode: Promise<number> },
  signal: AbortSignal,
): BaseBackup {
  let log = '';
  exec.stderr.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-64 * 1024);
  });
  exec.stderr.on('error', () => {}); // reported through stdout
  return guardedBackup(signal, async pipeFrom => {
    await pipeFrom(exec.stdout);
    const exitCode = await exec.exitCode;
    await finished(exec.stderr).catch(() => {});
    if (exitCode !== 0) {
      throw new Error(
        `dbaas-basebackup.sh exited with code ${exitCode}: ${lastLines(log)}`,
      );
    }
    return parseBackupLog(log);
  });
}

/** What dbaas-basebackup.sh reports on stderr (see images/postgresql-15). */
export function parseBackupLog(log: string): BaseBackupResult {
  const start = log.match(
    /dbaas-basebackup: START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/,
  );
  const stop = log.match(
    /dbaas-basebackup: STOP WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/,
  );
  const tli = log.match(/dbaas-basebackup: STOP TIMELINE: (\d+)/);
  const startedAt = log.match(/dbaas-basebackup: started-at ([\d.]+)/);
  const stoppedAt = log.match(/dbaas-basebackup: stopped-at ([\d.]+)/);
  if (!start || !stop || !tli || !startedAt || !stoppedAt) {
    throw new Error(
      `dbaas-basebackup.sh did not report the backup's start and end: ${lastLines(
        log,
      )}`,
    );
  }
  const timeline = Number(tli[1]);
  return {
    startLsn: start[1],
    stopLsn: stop[1],
    startWalFile: walFileName(start[1], timeline),
    stopWalFile: walFileName(stop[1], timeline),
    startedAt: new Date(Math.round(Number(startedAt[1]) * 1000)),
    stoppedAt: new Date(Math.round(Number(stoppedAt[1]) * 1000)),
  };
}

/** The WAL file holding the byte before `lsn`, as the server's pg_walfile_name names it. */
export function walFileName(lsn: string, timeline: number): string {
  const [high, low] = lsn.split('/');
  const position = (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
  const segment = (position - 1n) / WAL_SEGMENT_BYTES;
  const perId = 0x100000000n / WAL_SEGMENT_BYTES;
  const hex = (n: bigint | number) =>
    n.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(segment / perId) + hex(segment % perId);
}

/** Prints `f` once a restored server has been promoted (as postgres over the socket: the restore's trust line). */
export const IN_RECOVERY_COMMAND = [
  'psql',
  '-XAtq',
  '-h',
  '/run/postgresql',
  '-U',
  'postgres',
  '-d',
  'template1',
  '-c',
  'SELECT pg_is_in_recovery()',
];
