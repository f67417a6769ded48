import { spawn } from 'child_process';
import { PassThrough } from 'stream';
import { finished } from 'stream/promises';
import { BaseBackup, BaseBackupResult } from '@dbaas/plugin-dbaas-node';
import { RunAs, serverEnvironment } from './processes';

/**
 * A full backup with `mariadb-backup --backup --stream=xbstream`: the server's own tool copies
 * the InnoDB files while it follows the redo log, takes the backup locks (BACKUP STAGE) for the
 * rest and records the binary log position of that consistent point in the stream
 * (xtrabackup_binlog_info). The xbstream on its stdout is the backup; it ends only when the
 * tool exits 0, and errors otherwise (the server gone, a read error, `signal`).
 */
export async function startMariadbBackup(options: {
  command: string;
  /** An option file with the server's settings and root's credentials ([client]). */
  defaultsFile: string;
  /** The tool's scratch folder (--target-dir), empty. */
  scratch: string;
  runAs: RunAs;
  signal: AbortSignal;
}): Promise<BaseBackup> {
  const { command, defaultsFile, scratch, runAs, signal } = options;
  const startedAt = new Date();
  const child = spawn(
    command,
    [
      `--defaults-file=${defaultsFile}`,
      '--backup',
      '--stream=xbstream',
      `--target-dir=${scratch}`,
    ],
    {
      env: serverEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: runAs.uid,
      gid: runAs.gid,
    },
  );
  const stream = new PassThrough();
  let log = '';
  child.stderr!.on('data', chunk => {
    log = (log + chunk).slice(-64 * 1024);
  });
  child.stdout!.pipe(stream, { end: false });
  let broken: Error | undefined;
  let complete = false;
  const fail = (error: Error) => {
    broken ??= error;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    stream.destroy(broken);
  };
  stream.on('close', () => {
    if (!complete)
      fail(new Error('the backup stream was closed before its end'));
  });
  const onAbort = () => fail(new Error('the backup was cancelled'));
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();

  const result = new Promise<BaseBackupResult>((resolve, reject) => {
    child.on('error', error => {
      fail(error);
      reject(broken);
    });
    child.on('close', async (code, killedBy) => {
      signal.removeEventListener('abort', onAbort);
      if (code !== 0 || broken) {
        fail(
          new Error(
            `mariadb-backup ${
              killedBy ? `was killed (${killedBy})` : `exited with code ${code}`
            }: ${tail(log)}`,
          ),
        );
        reject(broken);
        return;
      }
      const stoppedAt = new Date();
      complete = true;
      stream.end();
      try {
        await finished(stream);
      } catch (error) {
        reject(error);
        return;
      }
      const lsn = log.match(/Redo log \(from LSN (\d+) to (\d+)\) was copied/);
      const binlog = log.match(/binlog position: filename '([^']+)'/i);
      resolve({
        startLsn: lsn?.[1] ?? '',
        stopLsn: lsn?.[2] ?? '',
        startWalFile: binlog?.[1] ?? '',
        stopWalFile: binlog?.[1] ?? '',
        startedAt,
        stoppedAt,
        selfContained: true,
      });
    });
  });
  result.catch(() => {}); // the stream carries the same error
  return { stream, result };
}

function tail(log: string) {
  return log.trim().split('\n').slice(-5).join(' | ').slice(-2000);
}
