import { spawn } from 'child_process';
import fs from 'fs/promises';
import path from 'path';
import readline from 'readline';
import { Readable } from 'stream';
import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { byPosition } from './mariadbArchiving';
import { run, RunAs, serverEnvironment } from './processes';

/** The tools' times and the binary log's are UTC: the runtime's servers run with TZ=UTC. */
const UTC = { ...serverEnvironment(), TZ: 'UTC' };

/** Extracts an xbstream into `dir` with `mbstream -x` as the server's user. */
export async function extractXbstream(
  mbstream: string,
  backup: Readable,
  dir: string,
  runAs: RunAs,
) {
  const child = spawn(mbstream, ['-x', '-C', dir], {
    env: serverEnvironment(),
    stdio: ['pipe', 'ignore', 'pipe'],
    uid: runAs.uid,
    gid: runAs.gid,
  });
  let log = '';
  child.stderr!.on('data', chunk => (log = (log + chunk).slice(-4096)));
  child.stdin!.on('error', () => {}); // reported by the exit code
  await new Promise<void>((resolve, reject) => {
    backup.on('error', error => {
      child.kill('SIGKILL');
      reject(error);
    });
    child.on('error', reject);
    child.on('close', code =>
      code === 0
        ? resolve()
        : reject(
            new RuntimeFault(
              'ENGINE_START_FAILED',
              `the backup is not a complete xbstream: mbstream exited with code ${code}: ${log.trim()}`,
            ),
          ),
    );
    backup.pipe(child.stdin!);
  });
}

/** The binary log position a prepared backup is consistent with (xtrabackup_binlog_info). */
export async function backupBinlogPosition(dir: string) {
  const text = await fs
    .readFile(path.join(dir, 'xtrabackup_binlog_info'), 'utf8')
    .catch(() => '');
  const [file, position] = text.trim().split(/\s+/);
  return file && position ? { file, position: Number(position) } : undefined;
}

/**
 * The shipped binary log files a restore replays: from the backup's file on, in order; none
 * when the backup's file was not shipped yet (nothing after the backup to replay).
 */
export async function binlogsFrom(walDir: string, first: string) {
  const names = (await fs.readdir(walDir).catch(() => [] as string[]))
    .filter(name => /^mariadb-bin\.\d{6,}$/.test(name))
    .filter(name => byPosition(name, first) >= 0)
    .sort(byPosition);
  if (names.length > 0 && names[0] !== first) {
    throw new RuntimeFault(
      'ENGINE_START_FAILED',
      `the shipped binary log starts ${
        names[0] ? `at ${names[0]}` : 'nowhere'
      }, not at ${first} where the backup ends: files are missing`,
    );
  }
  return names.map(name => path.join(walDir, name));
}

/**
 * What the binary log files cover from `position` on: the time of the last event (the log
 * shows nothing else happened until then) and of each transaction (GTID event), in whole
 * seconds as the log stores them.
 */
export async function scanBinlog(
  binlog: string,
  files: string[],
  position: number,
) {
  const child = spawn(binlog, [`--start-position=${position}`, ...files], {
    env: UTC,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', chunk => (log = (log + chunk).slice(-4096)));
  const exited = new Promise<number | null>(resolve =>
    child.on('close', resolve),
  );
  let lastEvent: Date | undefined;
  const transactions: Date[] = [];
  for await (const line of readline.createInterface(child.stdout!)) {
    const match = line.match(
      /^#(\d\d)(\d\d)(\d\d) +(\d?\d):(\d\d):(\d\d) server id \d+ .*?\t(\S+)/,
    );
    if (!match) continue;
    const [, y, mo, d, h, mi, s, kind] = match;
    const at = new Date(
      Date.UTC(2000 + Number(y), Number(mo) - 1, +d, +h, +mi, +s),
    );
    lastEvent = at;
    if (kind === 'GTID') transactions.push(at);
  }
  const code = await exited;
  if (code !== 0) {
    throw new RuntimeFault(
      'ENGINE_START_FAILED',
      `mariadb-binlog cannot read the shipped binary log (code ${code}): ${log.trim()}`,
    );
  }
  return { lastEvent, transactions };
}

/**
 * Replays the binary log from `position` into the server as root, up to (not including) the
 * first event at or after `stopAt`, then sets root's password: the replay may have brought the
 * source's.
 */
export async function replayBinlog(options: {
  binlog: string;
  client: string;
  clientDefaults: string;
  files: string[];
  position: number;
  stopAt?: Date;
  finalSql: string;
}) {
  const { binlog, client, clientDefaults, files, position, stopAt } = options;
  const reader = spawn(
    binlog,
    [
      `--start-position=${position}`,
      ...(stopAt ? [`--stop-datetime=${mariadbTime(stopAt)}`] : []),
      ...files,
    ],
    { env: UTC, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const writer = spawn(
    client,
    [`--defaults-file=${clientDefaults}`, '--binary-mode'],
    { env: UTC, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk).slice(-4096);
  };
  reader.stderr!.on('data', keep);
  writer.stderr!.on('data', keep);
  writer.stdin!.on('error', () => {}); // reported by the exit code
  reader.stdout!.pipe(writer.stdin!, { end: false });
  reader.stdout!.on('end', () => writer.stdin!.end(`\n${options.finalSql}\n`));
  const codes = await Promise.all(
    [reader, writer].map(
      child =>
        new Promise<number | null>(resolve => {
          child.on('error', () => resolve(-1));
          child.on('close', resolve);
        }),
    ),
  );
  if (codes.some(code => code !== 0)) {
    throw new RuntimeFault(
      'ENGINE_START_FAILED',
      `the binary log replay failed (mariadb-binlog ${codes[0]}, mariadb ${
        codes[1]
      }): ${log.trim().slice(-2000)}`,
    );
  }
}

/** Prepares an extracted backup, then moves it into the (absent) data directory. */
export async function prepareAndMove(options: {
  backupTool: string;
  scratch: string;
  serverDefaults: string;
  runAs: RunAs;
}) {
  const { backupTool, scratch, serverDefaults, runAs } = options;
  const as = { uid: runAs.uid, gid: runAs.gid };
  await run(
    backupTool,
    ['--no-defaults', '--prepare', `--target-dir=${scratch}`],
    as,
  );
  await run(
    backupTool,
    [
      `--defaults-file=${serverDefaults}`,
      '--move-back',
      `--target-dir=${scratch}`,
    ],
    as,
  );
}

/** `2024-05-01 12:00:00` in UTC: the form mariadb-binlog's --stop-datetime reads (TZ=UTC). */
export function mariadbTime(time: Date) {
  return time.toISOString().slice(0, 19).replace('T', ' ');
}
