import { randomUUID } from 'crypto';
import { createWriteStream, Dirent, promises as fs } from 'fs';
import path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import {
  BACKUP_META_SUFFIX,
  compareBackupKeys,
  BackupObjectInfo,
  BackupObjectSummary,
  BackupPutOptions,
  BackupStore,
  checksummedPut,
  infoToSidecar,
  sidecarToInfo,
  validateBackupKey,
  validateBackupPrefix,
  verifyingStream,
} from './BackupStore';
import { backupStoreFailure, BackupStoreError, isNetworkError } from './errors';

export interface FilesystemBackupStoreOptions {
  /** The store's directory; made on the first put. */
  directory: string;
}

/**
 * A {@link BackupStore} in a directory (local disk or a shared mount such as NFS): the object `a/b`
 * is the file `DIR/a/b`, and its checksum, size and metadata are the JSON sidecar
 * `DIR/a/b.dbaas-meta.json` (a sidecar rather than an extended attribute: it survives copies, tar,
 * rsync and file systems without xattrs, and an operator can read it).
 *
 * A put streams into `DIR/.incoming/UUID` (fsynced), writes the sidecar there too, then renames the
 * data and then the sidecar into place: an object is visible once its sidecar is, so a put that
 * fails or a process that dies midway leaves at most a file in `.incoming` (safe to delete when no
 * put is running) and never a visible object. A key cannot also be a directory of other keys here
 * (`a` and `a/b` cannot both exist).
 */
export class FilesystemBackupStore implements BackupStore {
  readonly description: string;
  private readonly root: string;
  private readonly incoming: string;

  constructor(options: FilesystemBackupStoreOptions) {
    this.root = path.resolve(options.directory);
    this.incoming = path.join(this.root, '.incoming');
    this.description = `filesystem ${this.root}`;
  }

  async put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
    options?: BackupPutOptions,
  ): Promise<BackupObjectInfo> {
    const temp = path.join(this.incoming, randomUUID());
    const tempSidecar = `${temp}${BACKUP_META_SUFFIX}`;
    const target = this.dataPath(key);
    let placed = false;
    return checksummedPut(key, body, options, {
      write: async stream => {
        await fs.mkdir(this.incoming, { recursive: true });
        await pipeline(
          stream,
          createWriteStream(temp, { flags: 'wx', flush: true }),
          { signal: options?.signal },
        );
      },
      commit: async info => {
        await writeFileSynced(tempSidecar, infoToSidecar(info));
        // the old object (if any) disappears first, so no reader pairs new bytes with an old checksum
        await fs.rm(`${target}${BACKUP_META_SUFFIX}`, { force: true });
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.rename(temp, target);
        placed = true;
        await fs.rename(tempSidecar, `${target}${BACKUP_META_SUFFIX}`);
        await syncDirectory(path.dirname(target));
      },
      cleanUp: async () => {
        await fs.rm(temp, { force: true });
        await fs.rm(tempSidecar, { force: true });
        if (placed) {
          await fs.rm(target, { force: true });
        }
      },
      mapError: error => this.mapError(error, key),
    });
  }

  async get(key: string): Promise<{ info: BackupObjectInfo; body: Readable }> {
    const info = await this.head(key);
    let file: fs.FileHandle;
    try {
      file = await fs.open(this.dataPath(key), 'r');
    } catch (error) {
      throw this.mapError(error, key);
    }
    return {
      info,
      body: verifyingStream(info, file.createReadStream(), error =>
        this.mapError(error, key),
      ),
    };
  }

  async head(key: string): Promise<BackupObjectInfo> {
    validateBackupKey(key);
    try {
      const [sidecar] = await Promise.all([
        fs.readFile(`${this.dataPath(key)}${BACKUP_META_SUFFIX}`),
        fs.stat(this.dataPath(key)),
      ]);
      return sidecarToInfo(key, sidecar);
    } catch (error) {
      throw this.mapError(error, key);
    }
  }

  async list(prefix: string): Promise<BackupObjectSummary[]> {
    validateBackupPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const start = slash < 0 ? '' : prefix.slice(0, slash);
    const found: BackupObjectSummary[] = [];
    try {
      await this.walk(start, prefix, found);
    } catch (error) {
      throw this.mapError(error);
    }
    return found.sort(compareBackupKeys);
  }

  async delete(key: string): Promise<void> {
    validateBackupKey(key);
    try {
      await fs.rm(`${this.dataPath(key)}${BACKUP_META_SUFFIX}`, {
        force: true,
      });
      await fs.rm(this.dataPath(key), { force: true });
    } catch (error) {
      throw this.mapError(error, key);
    }
  }

  private dataPath(key: string) {
    return path.join(this.root, ...key.split('/'));
  }

  /** Adds the complete objects under the directory `dir` (a key prefix) whose keys start with `prefix`. */
  private async walk(
    dir: string,
    prefix: string,
    found: BackupObjectSummary[],
  ): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path.join(this.root, ...dir.split('/')), {
        withFileTypes: true,
      });
    } catch (error) {
      if (['ENOENT', 'ENOTDIR'].includes((error as any).code)) {
        return;
      }
      throw error;
    }
    const names = new Set(entries.map(entry => entry.name));
    for (const entry of entries) {
      const key = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.')) {
        continue;
      }
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) {
          await this.walk(key, prefix, found);
        }
      } else if (
        entry.isFile() &&
        !entry.name.endsWith(BACKUP_META_SUFFIX) &&
        key.startsWith(prefix) &&
        names.has(`${entry.name}${BACKUP_META_SUFFIX}`)
      ) {
        try {
          const stat = await fs.stat(this.dataPath(key));
          found.push({
            key,
            size: stat.size,
            lastModified: new Date(stat.mtimeMs),
          });
        } catch (error) {
          if ((error as any).code !== 'ENOENT') {
            throw error; // deleted meanwhile: not listed
          }
        }
      }
    }
  }

  private mapError(error: unknown, key?: string): unknown {
    if (error instanceof BackupStoreError) {
      return error;
    }
    const code = (error as { code?: string }).code ?? '';
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return backupStoreFailure('NOT_FOUND', this.description, error, key);
    }
    if (['EACCES', 'EPERM', 'EROFS'].includes(code)) {
      return backupStoreFailure('PERMISSION', this.description, error, key);
    }
    return backupStoreFailure(
      isNetworkError(error) ? 'UNREACHABLE' : 'FAILED',
      this.description,
      error,
      key,
    );
  }
}

async function writeFileSynced(file: string, text: string) {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the renames durable where the platform allows fsync on a directory. */
async function syncDirectory(dir: string) {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here (e.g. Windows): the renames are still atomic
  } finally {
    await handle?.close();
  }
}
