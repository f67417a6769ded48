import { createReadStream } from 'fs';
import fs from 'fs/promises';
import path from 'path';
import { ArchivedWalFile } from '@dbaas/plugin-dbaas-node';
import { confString, shellWord, writeIncludedConf } from './postgresConf';
import { chownTo, RunAs } from './processes';

/** Where the server copies each finished WAL file, beside (not in) its data directory. */
export function walSpool(instanceDir: string) {
  return path.join(instanceDir, 'wal-spool');
}

/**
 * The shell command the archiver runs for each finished file: copy under a hidden name, flush,
 * rename. An existing file is never overwritten; it counts as archived when identical (the
 * server asks again for a file it archived just before a crash).
 */
export function archiveCommand(spool: string): string {
  // `%` is the server's placeholder: a literal one in the path is doubled
  const at = (name: string) =>
    shellWord(`${spool}/`).replace(/%/g, '%%') + name;
  const target = at('%f');
  const temp = at('.%f.tmp');
  return (
    `if test ! -f ${target}; then ` +
    `cp %p ${temp} && sync ${temp} && mv ${temp} ${target}; ` +
    `else cmp -s %p ${target}; fi`
  );
}

/**
 * Turns WAL archiving into the spool on (or off); written before every start, read at that
 * start.
 */
export async function configureArchiving(
  instanceDir: string,
  data: string,
  runAs: RunAs,
  options: { enabled: boolean },
) {
  if (!options.enabled) {
    await writeIncludedConf(
      data,
      'dbaas-archive.conf',
      [
        '# Written by the DBaaS local runtime before each start',
        'archive_mode = off',
      ],
      runAs,
    );
    return;
  }
  const spool = walSpool(instanceDir);
  await fs.mkdir(spool, { recursive: true, mode: 0o700 });
  await chownTo(spool, runAs);
  await writeIncludedConf(
    data,
    'dbaas-archive.conf',
    [
      '# Written by the DBaaS local runtime before each start',
      'archive_mode = on',
      'archive_timeout = 30s',
      `archive_command = ${confString(archiveCommand(spool))}`,
    ],
    runAs,
  );
}

const ARCHIVED =
  /^([0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$/;

/** The spool's finished files, oldest first (segment names sort by position in the log). */
export async function archivedWal(
  instanceDir: string,
): Promise<ArchivedWalFile[]> {
  const spool = walSpool(instanceDir);
  const names = await fs.readdir(spool).catch(error => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  const files: ArchivedWalFile[] = [];
  for (const name of names.filter(n => ARCHIVED.test(n)).sort()) {
    const file = path.join(spool, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) continue;
    files.push({
      name,
      size: stat.size,
      archivedAt: stat.mtime,
      open: async () => createReadStream(file),
      remove: () => fs.rm(file, { force: true }),
    });
  }
  return files;
}
