import fs from 'fs/promises';
import path from 'path';
import { Client } from 'pg';
import { Readable } from 'stream';
import { finished } from 'stream/promises';
import * as tar from 'tar-stream';
import { BaseBackup, BaseBackupResult } from '@dbaas/plugin-dbaas-node';

/** Left out as pg_basebackup leaves them out, plus the TLS files the runtime writes at start. */
const SKIP_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'backup_label.old',
  'tablespace_map',
  'tablespace_map.old',
  'recovery.signal',
  'standby.signal',
  'postgresql.auto.conf.tmp',
  'current_logfiles.tmp',
  'server.key',
  'server.crt',
  'root.crt',
]);
/** Folders kept empty: their contents are rebuilt or replayed from the archived WAL. */
const SKIP_CONTENTS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);
const WAL_FOLDERS = ['pg_wal/archive_status', 'pg_wal/summaries'];
const CHUNK = 256 * 1024;

type EntryHeader = Parameters<tar.Pack['entry']>[0];

function skipped(relative: string, name: string) {
  return (
    SKIP_FILES.has(relative) ||
    name.startsWith('pg_internal.init') ||
    name.startsWith('pgsql_tmp')
  );
}

/**
 * A base backup through the server's low-level API: pg_backup_start on `client` (a superuser
 * session that stays open throughout), a tar of `data`, then pg_backup_stop and a wait until
 * the WAL the backup needs is archived, and its backup_label as the last entry. Any failure
 * (the session or server gone, a read error, `signal`) errors the stream instead of ending it.
 */
export async function startBaseBackup(options: {
  client: Client;
  data: string;
  label: string;
  signal: AbortSignal;
  /**
   * Resolves once the server has archived the WAL file; without it, pg_backup_stop waits
   * itself, in whole seconds.
   */
  untilArchived?: (walFile: string) => Promise<void>;
}): Promise<BaseBackup> {
  const { client, data, label, signal, untilArchived } = options;
  const pack = tar.pack();
  // its error reaches the reader through the stream below; until one reads, nobody listens
  pack.on('error', () => {});
  let broken: Error | undefined;
  const fail = (error: Error) => {
    broken ??= error;
    pack.destroy(broken);
    client.end().catch(() => {});
  };
  client.on('error', error =>
    fail(new Error(`the backup session ended: ${error.message}`)),
  );
  await client.connect();
  let start: { lsn: string; wal: string; at: Date };
  try {
    ({
      rows: [start],
    } = await client.query(
      'SELECT lsn::text AS lsn, pg_walfile_name(lsn) AS wal, clock_timestamp() AS at ' +
        'FROM pg_backup_start($1, fast => true) AS lsn',
      [label],
    ));
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }

  const stream = Readable.from(pack, { objectMode: false });
  let complete = false;
  stream.on('close', () => {
    if (!complete)
      fail(new Error('the backup stream was closed before its end'));
  });
  const onAbort = () => fail(new Error('the backup was cancelled'));
  signal.addEventListener('abort', onAbort, { once: true });
  const check = () => {
    if (broken) throw broken;
  };

  const result = (async (): Promise<BaseBackupResult> => {
    try {
      if (signal.aborted) onAbort();
      await addTree(pack, data, '', check);
      for (const name of WAL_FOLDERS) await addDirectory(pack, name, check);
      const {
        rows: [stop],
      } = await client.query(
        'SELECT lsn::text AS lsn, pg_walfile_name(lsn) AS wal, labelfile, spcmapfile, ' +
          'clock_timestamp() AS at FROM pg_backup_stop(wait_for_archive => $1)',
        [!untilArchived],
      );
      await untilArchived?.(stop.wal);
      await addBuffer(pack, 'backup_label', Buffer.from(stop.labelfile), check);
      if (stop.spcmapfile) {
        await addBuffer(
          pack,
          'tablespace_map',
          Buffer.from(stop.spcmapfile),
          check,
        );
      }
      check();
      complete = true;
      pack.finalize();
      await finished(stream);
      return {
        startLsn: start.lsn,
        stopLsn: stop.lsn,
        startWalFile: start.wal,
        stopWalFile: stop.wal,
        startedAt: start.at,
        stoppedAt: stop.at,
      };
    } catch (error) {
      complete = false;
      fail(error as Error);
      throw broken;
    } finally {
      signal.removeEventListener('abort', onAbort);
      await client.end().catch(() => {});
    }
  })();
  result.catch(() => {}); // the stream carries the same error
  return { stream, result };
}

async function addTree(
  pack: tar.Pack,
  root: string,
  relative: string,
  check: () => void,
) {
  const entries = await fs
    .readdir(path.join(root, relative))
    .catch(ignoreVanished);
  for (const name of (entries ?? []).sort()) {
    const entryPath = relative ? `${relative}/${name}` : name;
    if (skipped(entryPath, name)) continue;
    const full = path.join(root, entryPath);
    const stat = await fs.lstat(full).catch(ignoreVanished);
    if (!stat) continue; // removed meanwhile: the WAL replay accounts for it
    check();
    const header = {
      name: entryPath,
      mode: stat.mode & 0o7777,
      mtime: stat.mtime,
    };
    if (stat.isDirectory()) {
      await addEntry(pack, { ...header, type: 'directory' }, check);
      if (!SKIP_CONTENTS.has(entryPath)) {
        await addTree(pack, root, entryPath, check);
      }
    } else if (stat.isSymbolicLink()) {
      // a tablespace: its files live elsewhere, and a restore here could not put them back
      throw new Error(
        `${entryPath} is a link (a tablespace), which the local runtime does not back up`,
      );
    } else if (stat.isFile()) {
      await addFile(pack, full, { ...header, size: stat.size }, check);
    }
  }
}

/**
 * A file as it is while the server writes it: the size seen at stat is the size stored, and a
 * file that shrank meanwhile is padded with zeros, which the WAL replay overwrites.
 */
async function addFile(
  pack: tar.Pack,
  full: string,
  header: EntryHeader,
  check: () => void,
) {
  const handle = await fs.open(full, 'r').catch(ignoreVanished);
  if (!handle) return;
  try {
    await withEntry(pack, header, check, async write => {
      let left = header.size ?? 0;
      let eof = false;
      while (left > 0) {
        const chunk = Buffer.alloc(Math.min(left, CHUNK));
        const read: number = eof
          ? 0
          : (await handle.read(chunk, 0, chunk.length, null)).bytesRead;
        eof ||= read === 0;
        const piece = eof ? chunk : chunk.subarray(0, read);
        await write(piece);
        left -= piece.length;
      }
    });
  } finally {
    await handle.close();
  }
}

function addBuffer(
  pack: tar.Pack,
  name: string,
  content: Buffer,
  check: () => void,
) {
  return withEntry(
    pack,
    { name, size: content.length, mode: 0o600, mtime: new Date() },
    check,
    write => write(content),
  );
}

function addDirectory(pack: tar.Pack, name: string, check: () => void) {
  return addEntry(
    pack,
    { name, type: 'directory', mode: 0o700, mtime: new Date() },
    check,
  );
}

function addEntry(pack: tar.Pack, header: EntryHeader, check: () => void) {
  return withEntry(pack, header, check, async () => {});
}

/** Writes one entry with back-pressure; resolves once the pack took all of it. */
async function withEntry(
  pack: tar.Pack,
  header: EntryHeader,
  check: () => void,
  body: (write: (chunk: Buffer) => Promise<void>) => Promise<void>,
) {
  check();
  let entryError: Error | null | undefined;
  let entryDone!: () => void;
  const done = new Promise<void>(resolve => (entryDone = resolve));
  const entry = pack.entry(header, error => {
    entryError = error;
    entryDone();
  });
  entry.on('error', () => {}); // the pack's failure, which `check` reports
  const wake = () => entryDone();
  pack.once('close', wake);
  try {
    await body(async chunk => {
      check();
      if (!entry.write(chunk)) await drained(entry, pack);
    });
    check();
    entry.end(undefined);
    await done;
    check();
    if (entryError) throw entryError;
  } finally {
    pack.off('close', wake);
  }
}

function drained(entry: ReturnType<tar.Pack['entry']>, pack: tar.Pack) {
  return new Promise<void>(resolve => {
    const wake = () => {
      entry.off('drain', wake).off('close', wake);
      pack.off('close', wake);
      resolve();
    };
    entry.on('drain', wake).on('close', wake);
    pack.on('close', wake);
  });
}

function ignoreVanished(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT') return undefined;
  throw error;
}
