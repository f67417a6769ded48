import path from 'path';
import fs from 'fs';
import { Readable } from 'stream';
import * as tar from 'tar-stream';
import { postgresTime } from './postgresRecovery';
import { IMAGE_UID } from '../imageContract';
import { RuntimeFault } from '../runtime';

/** Where a restore puts the log files for the server to read (the container's own layer). */
export const RESTORE_WAL_DIR = '/var/lib/dbaas/restore-wal';
export const RECOVERY_CONF = 'dbaas-recovery.conf';
/** Lets the runtime in as postgres over the local socket while the source's password holds. */
export const RESTORE_HBA = 'local all postgres trust # dbaas: restore';

/** Settings for archive recovery from RESTORE_WAL_DIR, to `targetTime` or the log's end. */
export function recoveryConf(targetTime?: Date): string {
  const wal = `${RESTORE_WAL_DIR}/%f`;
  return [
    '# Written by the DBaaS runtime for a restore; removed once it is done',
    `restore_command = 'test -f ${wal} && cp ${wal} %p'`,
    ...(targetTime
      ? [`recovery_target_time = '${postgresTime(targetTime)}'`]
      : []),
    "recovery_target_action = 'promote'",
    '',
  ].join('\n');
}

type EntryHeader = Parameters<tar.Pack['entry']>[0];

const owned = { uid: IMAGE_UID, gid: IMAGE_UID, uname: '', gname: '' };

/**
 * A base backup's tar made ready to put into an empty PGDATA: every entry the image user's,
 * postgresql.conf including the recovery settings, pg_hba.conf letting the runtime in over the
 * socket, and recovery.signal. It errors when the backup holds anything but files and folders
 * inside the data directory, or lacks backup_label (then it is no complete base backup);
 * `label` settles with backup_label once the backup has been read.
 */
export function restoreTar(
  backup: Readable,
  targetTime: Date | undefined,
): { tar: Readable; label: Promise<string> } {
  const extract = tar.extract();
  const pack = tar.pack();
  backup.on('error', error => extract.destroy(error));
  backup.pipe(extract as unknown as NodeJS.WritableStream);
  const fail = (error: Error) => {
    pack.destroy(error);
    backup.destroy();
    return error;
  };
  const label = (async () => {
    let found: string | undefined;
    try {
      for await (const entry of extract) {
        const { header } = entry;
        const name = path.posix.normalize(header.name).replace(/\/+$/, '');
        if (name.startsWith('..') || path.posix.isAbsolute(name)) {
          throw new RuntimeFault(
            'ENGINE_START_FAILED',
            `the backup holds a path outside the data directory: ${header.name}`,
          );
        }
        if (name === 'recovery.signal' || name === 'standby.signal') {
          entry.resume();
          continue;
        }
        if (header.type === 'directory') {
          entry.resume();
          await add(pack, { ...header, ...owned, name });
        } else if (header.type === 'file') {
          if (
            ['postgresql.conf', 'pg_hba.conf', 'backup_label'].includes(name)
          ) {
            let text = (await readAll(entry as unknown as Readable)).toString(
              'utf8',
            );
            if (name === 'backup_label') found = text;
            if (name === 'postgresql.conf') {
              text += `\ninclude_if_exists = '${RECOVERY_CONF}'\n`;
            }
            if (name === 'pg_hba.conf') text = `${RESTORE_HBA}\n${text}`;
            const content = Buffer.from(text);
            await add(
              pack,
              { ...header, ...owned, name, size: content.length },
              content,
            );
          } else {
            await add(
              pack,
              { ...header, ...owned, name },
              entry as unknown as Readable,
            );
          }
        } else {
          // tablespaces (the only links in a data directory) live outside it
          throw new RuntimeFault(
            'ENGINE_START_FAILED',
            `the backup holds ${header.type} ${name}, which a restore cannot put into the data directory`,
          );
        }
      }
      if (!found) {
        throw new RuntimeFault(
          'ENGINE_START_FAILED',
          'the backup has no backup_label: it is not a complete base backup',
        );
      }
      const conf = Buffer.from(recoveryConf(targetTime));
      await add(pack, file(RECOVERY_CONF, conf.length), conf);
      await add(pack, file('recovery.signal', 0), Buffer.alloc(0));
      pack.finalize();
      return found;
    } catch (error) {
      throw fail(error as Error);
    }
  })();
  label.catch(() => {}); // the tar stream carries the same error
  return { tar: asReadable(pack), label };
}

/** The log files in `walDir` (on this machine) as a tar of RESTORE_WAL_DIR, for /var/lib/dbaas. */
export function walTar(walDir: string): Readable {
  const pack = tar.pack();
  const dir = path.posix.basename(RESTORE_WAL_DIR);
  (async () => {
    await add(pack, {
      name: dir,
      type: 'directory',
      mode: 0o700,
      mtime: new Date(),
      ...owned,
    });
    for (const name of fs.readdirSync(walDir).sort()) {
      const full = path.join(walDir, name);
      const stat = fs.statSync(full);
      if (!stat.isFile()) continue;
      await add(
        pack,
        { ...file(`${dir}/${name}`, stat.size) },
        fs.createReadStream(full),
      );
    }
    pack.finalize();
  })().catch(error => pack.destroy(error));
  return asReadable(pack);
}

/** One small file as recoveryConf writes it: the image user's, mode 0600. */
export function file(name: string, size: number): EntryHeader {
  return { name, size, mode: 0o600, mtime: new Date(), type: 'file', ...owned };
}

/** Adds one entry (its body a buffer or a stream); resolves once the pack took it. */
function add(
  pack: tar.Pack,
  header: EntryHeader,
  body?: Buffer | Readable,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!body || Buffer.isBuffer(body)) {
      pack.entry(header, body ?? Buffer.alloc(0), error =>
        error ? reject(error) : resolve(),
      );
      return;
    }
    const sink = pack.entry(header, error =>
      error ? reject(error) : resolve(),
    );
    body.on('error', error => {
      sink.destroy(error);
      reject(error);
    });
    body.pipe(sink as unknown as NodeJS.WritableStream);
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A tar-stream pack as a Node stream (for Docker's putArchive, or a `tar -x` in a pod). */
function asReadable(pack: tar.Pack): Readable {
  pack.on('error', () => {}); // reaches the stream below through the iterator
  const stream = Readable.from(pack as unknown as AsyncIterable<Buffer>, {
    objectMode: false,
  });
  // the reader learns of a failure from the promise it awaits (see the Docker runtime's
  // putTar), never as an unhandled 'error' event
  stream.on('error', () => {});
  return stream;
}

/** Small files as a tar for PGDATA, each the image user's with mode 0600. */
export function smallFilesTar(files: [string, string][]): Readable {
  const pack = tar.pack();
  for (const [name, content] of files) {
    const body = Buffer.from(content);
    pack.entry(file(name, body.length), body);
  }
  pack.finalize();
  return asReadable(pack);
}
