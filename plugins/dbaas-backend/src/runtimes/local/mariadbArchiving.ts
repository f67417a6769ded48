import { createReadStream } from 'fs';
import fs from 'fs/promises';
import path from 'path';
import { ArchivedWalFile } from '@dbaas/plugin-dbaas-node';
import { chownTo, RunAs } from './processes';

/** The server's binary log, beside (not in) its data directory, so a backup leaves it out. */
export function binlogDir(instanceDir: string) {
  return path.join(instanceDir, 'binlog');
}

/** Finished binary log files wait here (hard links) until the Manager has shipped them. */
export function binlogSpool(instanceDir: string) {
  return path.join(instanceDir, 'binlog-spool');
}

const BASE = 'mariadb-bin';
/** The last file the Manager shipped: older ones are never spooled again. */
const SHIPPED = '.shipped';
const BINLOG = /^mariadb-bin\.\d{6,}$/;

/**
 * my.cnf lines for the binary log point-in-time recovery replays: row events, a server id,
 * files in `binlogDir`. The server drops its own files after a week; by then the Manager has
 * spooled (hard-linked) and shipped them.
 */
export function binlogSettings(instanceDir: string, enabled: boolean) {
  if (!enabled) return [];
  const dir = binlogDir(instanceDir);
  return [
    `log_bin = ${path.join(dir, BASE)}`,
    `log_bin_index = ${path.join(dir, `${BASE}.index`)}`,
    'binlog_format = ROW',
    'server_id = 1',
    'sync_binlog = 1',
    `binlog_expire_logs_seconds = ${7 * 24 * 3600}`,
  ];
}

/** Creates the binary log's folder (the server's user owns it) before a start. */
export async function prepareBinlog(instanceDir: string, runAs: RunAs) {
  const dir = binlogDir(instanceDir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await chownTo(dir, runAs);
}

/**
 * The finished binary log files, oldest first: every file of the server's index but the one it
 * writes, spooled as hard links (so the server's own expiry never takes an unshipped one);
 * `remove` drops the link and remembers the file as shipped.
 */
export async function archivedBinlogs(
  instanceDir: string,
): Promise<ArchivedWalFile[]> {
  const dir = binlogDir(instanceDir);
  const spool = binlogSpool(instanceDir);
  const index = await fs
    .readFile(path.join(dir, `${BASE}.index`), 'utf8')
    .catch(missingAs(''));
  const logged = index
    .split('\n')
    .map(line => path.basename(line.trim()))
    .filter(name => BINLOG.test(name));
  const finished = logged.slice(0, -1);
  if (
    finished.length > 0 ||
    (await fs.stat(spool).catch(missingAs(undefined)))
  ) {
    await fs.mkdir(spool, { recursive: true, mode: 0o700 });
  }
  const shipped = (
    await fs.readFile(path.join(spool, SHIPPED), 'utf8').catch(missingAs(''))
  ).trim();
  for (const name of finished) {
    if (shipped && byPosition(name, shipped) <= 0) continue;
    await fs
      .link(path.join(dir, name), path.join(spool, name))
      .catch((error: NodeJS.ErrnoException) => {
        // spooled before, or expired by the server meanwhile
        if (error.code !== 'EEXIST' && error.code !== 'ENOENT') throw error;
      });
  }
  const names = await fs.readdir(spool).catch(missingAs([] as string[]));
  const files: ArchivedWalFile[] = [];
  for (const name of names.filter(n => BINLOG.test(n)).sort(byPosition)) {
    const file = path.join(spool, name);
    const stat = await fs.stat(file).catch(missingAs(undefined));
    if (!stat) continue;
    files.push({
      name,
      size: stat.size,
      archivedAt: stat.mtime,
      open: async () => createReadStream(file),
      remove: async () => {
        await markShipped(spool, name);
        await fs.rm(file, { force: true });
      },
    });
  }
  return files;
}

async function markShipped(spool: string, name: string) {
  const marker = path.join(spool, SHIPPED);
  const shipped = (
    await fs.readFile(marker, 'utf8').catch(missingAs(''))
  ).trim();
  if (shipped && byPosition(name, shipped) <= 0) return;
  await fs.writeFile(`${marker}.tmp`, `${name}\n`);
  await fs.rename(`${marker}.tmp`, marker);
}

/** Binary log files in the order the server wrote them (their numbers may outgrow 6 digits). */
export function byPosition(a: string, b: string) {
  const number = (name: string) =>
    Number(name.slice(name.lastIndexOf('.') + 1));
  return number(a) - number(b);
}

function missingAs<T>(value: T) {
  return (error: NodeJS.ErrnoException): T => {
    if (error.code === 'ENOENT') return value;
    throw error;
  };
}
