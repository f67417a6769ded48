import fs from 'fs/promises';
import path from 'path';
import { Readable } from 'stream';
import * as tar from 'tar-stream';
import { postgresTime, RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { confString, shellWord, writeIncludedConf } from './postgresConf';
import { chownTo, RunAs } from './processes';

export {
  labelStartTime,
  lastTransaction,
  recoveryFailure,
} from '@dbaas/plugin-dbaas-node';

export const RECOVERY_CONF = 'dbaas-recovery.conf';
/** Lets the runtime in as the superuser over a private socket while the old password holds. */
export const RESTORE_HBA = 'local all postgres trust # dbaas: restore';

/**
 * Extracts a base backup's tar into `dir` (owned by the server's user); returns its
 * backup_label, without which the archive is not a complete base backup.
 */
export async function extractBaseBackup(
  backup: Readable,
  dir: string,
  runAs: RunAs,
): Promise<string> {
  const extract = tar.extract();
  backup.on('error', error => extract.destroy(error));
  backup.pipe(extract as unknown as NodeJS.WritableStream);
  let label: string | undefined;
  try {
    label = await extractEntries(extract, dir, runAs);
  } catch (error) {
    backup.destroy();
    throw error;
  }
  if (!label) {
    throw new RuntimeFault(
      'ENGINE_START_FAILED',
      'the backup has no backup_label: it is not a complete base backup',
    );
  }
  return label;
}

async function extractEntries(extract: tar.Extract, dir: string, runAs: RunAs) {
  let label: string | undefined;
  for await (const entry of extract) {
    const name = path.posix.normalize(entry.header.name).replace(/\/+$/, '');
    if (name.startsWith('..') || path.posix.isAbsolute(name)) {
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `the backup holds a path outside the data directory: ${entry.header.name}`,
      );
    }
    const target = path.join(dir, name);
    if (entry.header.type === 'directory') {
      await fs.mkdir(target, { recursive: true, mode: 0o700 });
      await chownTo(target, runAs);
    } else if (entry.header.type === 'file') {
      const handle = await fs.open(target, 'w', 0o600);
      try {
        for await (const chunk of entry) await handle.write(chunk as Buffer);
      } finally {
        await handle.close();
      }
      await chownTo(target, runAs);
      if (name === 'backup_label') {
        label = await fs.readFile(target, 'utf8');
      }
    } else {
      // tablespaces (the only links in a data directory) live outside it: not restorable here
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `the backup holds ${entry.header.type} ${name}, which the local runtime cannot restore`,
      );
    }
  }
  return label;
}

/**
 * Archive recovery settings: WAL from `walDir`, up to `targetTime` or the end of the WAL, then
 * promotion; and a socket in `socketDir` for the runtime to watch it.
 */
export async function configureRecovery(
  data: string,
  options: { walDir: string; socketDir: string; targetTime?: Date },
  runAs: RunAs,
) {
  const wal = (name: string) =>
    shellWord(`${options.walDir}/`).replace(/%/g, '%%') + name;
  await writeIncludedConf(
    data,
    RECOVERY_CONF,
    [
      '# Written by the DBaaS local runtime for a restore; removed once it is done',
      `restore_command = ${confString(
        `test -f ${wal('%f')} && cp ${wal('%f')} %p`,
      )}`,
      ...(options.targetTime
        ? [`recovery_target_time = '${postgresTime(options.targetTime)}'`]
        : []),
      "recovery_target_action = 'promote'",
      `unix_socket_directories = ${confString(options.socketDir)}`,
    ],
    runAs,
  );
  const hba = path.join(data, 'pg_hba.conf');
  await fs.writeFile(hba, `${RESTORE_HBA}\n${await fs.readFile(hba, 'utf8')}`);
  const signal = path.join(data, 'recovery.signal');
  await fs.writeFile(signal, '', { mode: 0o600 });
  await chownTo(signal, runAs);
}

/** Back to a normal server: later starts neither recover nor trust the socket. */
export async function removeRecovery(data: string) {
  await fs.rm(path.join(data, RECOVERY_CONF), { force: true });
  await fs.rm(path.join(data, 'recovery.signal'), { force: true });
  const hba = path.join(data, 'pg_hba.conf');
  const lines = (await fs.readFile(hba, 'utf8')).split('\n');
  await fs.writeFile(hba, lines.filter(l => l !== RESTORE_HBA).join('\n'));
}
