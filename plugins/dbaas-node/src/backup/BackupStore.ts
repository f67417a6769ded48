import { createHash } from 'crypto';
import { Readable } from 'stream';
import { BackupChecksumMismatchError, BackupStoreError } from './errors';

/**
 * Where backups and archived logs go: a directory ({@link FilesystemBackupStore}, the embedded
 * default) or another kind a backend module adds through `dbaasBackupStoresExtensionPoint`, e.g. an
 * S3-compatible bucket (`@dbaas/plugin-dbaas-backend-module-s3`).
 *
 * Every object carries the SHA-256 and size of its bytes, computed while they stream in and stored
 * beside them; `get` checks both while they stream out. Objects appear whole or not at all: a put
 * that fails (its source errors, the store goes away, the caller aborts) leaves no object, and a
 * get sees only objects whose put completed.
 *
 * Keys are `/`-separated paths of letters, digits, `.`, `_`, `-` (no segment starting with a dot,
 * none ending in `.dbaas-meta.json`, at most 512 characters), e.g. `instances/ID/base/BACKUP.tar`.
 * A put over an existing key replaces it; during that put the key is not visible.
 *
 * Every method fails with a {@link BackupStoreError}: {@link BackupObjectNotFoundError},
 * {@link BackupStoreUnreachableError} (retry later), {@link BackupChecksumMismatchError},
 * {@link BackupStorePermissionError}, or the base class with code INVALID or FAILED. A put whose
 * source stream fails rejects with the source's own error.
 */
export interface BackupStore {
  /** For logs and faults, e.g. `filesystem /srv/backups` or `s3 s3://bucket/prefix/`. */
  readonly description: string;

  /**
   * Streams `body` into the object `key` (never holding the whole object in memory) and resolves
   * once it is complete and visible. The source is consumed, and destroyed if the put fails.
   */
  put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
    options?: BackupPutOptions,
  ): Promise<BackupObjectInfo>;

  /**
   * The object's description and its bytes. Fails at once with NOT_FOUND; the stream then fails
   * with a {@link BackupChecksumMismatchError} naming the object, instead of ending, when the bytes
   * read do not match what was written (or with UNREACHABLE when the store goes away midway). A
   * reader must treat the data as good only after the stream has ended.
   */
  get(key: string): Promise<{ info: BackupObjectInfo; body: Readable }>;

  /** Size, checksum and metadata of a complete object; NOT_FOUND otherwise. */
  head(key: string): Promise<BackupObjectInfo>;

  /** The complete objects whose keys start with `prefix` (a plain string prefix), sorted by key. */
  list(prefix: string): Promise<BackupObjectSummary[]>;

  /** Removes the object; deleting one that does not exist succeeds. */
  delete(key: string): Promise<void>;
}

export interface BackupPutOptions {
  /** Small strings kept with the object: names of lowercase letters, digits and dashes; 2 KiB in all. */
  metadata?: Record<string, string>;
  /** Aborting rejects the put with an AbortError and leaves no object. */
  signal?: AbortSignal;
}

export interface BackupObjectInfo {
  key: string;
  /** Bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  metadata: Record<string, string>;
  /** When the put completed. */
  createdAt: Date;
}

export interface BackupObjectSummary {
  key: string;
  size: number;
  lastModified: Date;
}

/** The suffix of the sidecar that holds an object's checksum and metadata; no key may end with it. */
export const BACKUP_META_SUFFIX = '.dbaas-meta.json';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const METADATA_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Throws INVALID for a key outside the rules of {@link BackupStore}. */
export function validateBackupKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) {
    throw new BackupStoreError(
      'INVALID',
      `Invalid backup object key '${key}': ${problem}`,
      key,
    );
  }
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || !key) {
    return 'is empty';
  }
  if (key.length > 512) {
    return 'is longer than 512 characters';
  }
  if (key.endsWith(BACKUP_META_SUFFIX)) {
    return `ends with the reserved suffix ${BACKUP_META_SUFFIX}`;
  }
  if (!key.split('/').every(segment => SEGMENT.test(segment))) {
    return "must be '/'-separated segments of letters, digits, '.', '_' and '-', none empty or starting with '.'";
  }
  return undefined;
}

/** Orders keys as S3 lists them (by code point; keys are ASCII). */
export function compareBackupKeys(
  a: { key: string },
  b: { key: string },
): number {
  if (a.key === b.key) {
    return 0;
  }
  return a.key < b.key ? -1 : 1;
}

/** Throws INVALID for a list prefix that no key could start with a path of (`..`, a leading `/`). */
export function validateBackupPrefix(prefix: string): void {
  if (
    typeof prefix !== 'string' ||
    prefix.startsWith('/') ||
    prefix.split('/').some(segment => segment.startsWith('.')) ||
    /[^A-Za-z0-9._/-]/.test(prefix) ||
    prefix.includes('//')
  ) {
    throw new BackupStoreError(
      'INVALID',
      `Invalid backup object prefix '${prefix}'`,
    );
  }
}

export function validateBackupMetadata(
  key: string,
  metadata: Record<string, string> = {},
): Record<string, string> {
  let total = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_NAME.test(name) || typeof value !== 'string') {
      throw new BackupStoreError(
        'INVALID',
        `Invalid metadata '${name}' for backup object '${key}': names are lowercase letters, digits and dashes, values strings`,
        key,
      );
    }
    total += name.length + Buffer.byteLength(value);
  }
  if (total > 2048) {
    throw new BackupStoreError(
      'INVALID',
      `Metadata of backup object '${key}' exceeds 2 KiB`,
      key,
    );
  }
  return { ...metadata };
}

/** What the sidecar of an object holds (JSON). */
export interface BackupObjectSidecar {
  version: 1;
  key: string;
  size: number;
  sha256: string;
  metadata: Record<string, string>;
  createdAt: string;
}

export function sidecarToInfo(
  key: string,
  text: string | Buffer,
): BackupObjectInfo {
  let sidecar: BackupObjectSidecar;
  try {
    sidecar = JSON.parse(text.toString());
  } catch (error) {
    throw new BackupStoreError(
      'FAILED',
      `The checksum record of backup object '${key}' is not valid JSON`,
      key,
      { cause: error },
    );
  }
  if (
    sidecar?.version !== 1 ||
    typeof sidecar.size !== 'number' ||
    !/^[0-9a-f]{64}$/.test(sidecar.sha256 ?? '')
  ) {
    throw new BackupStoreError(
      'FAILED',
      `The checksum record of backup object '${key}' is not one this version understands`,
      key,
    );
  }
  return {
    key,
    size: sidecar.size,
    sha256: sidecar.sha256,
    metadata: sidecar.metadata ?? {},
    createdAt: new Date(sidecar.createdAt),
  };
}

export function infoToSidecar(info: BackupObjectInfo): string {
  const sidecar: BackupObjectSidecar = {
    version: 1,
    key: info.key,
    size: info.size,
    sha256: info.sha256,
    metadata: info.metadata,
    createdAt: info.createdAt.toISOString(),
  };
  return `${JSON.stringify(sidecar, null, 2)}\n`;
}

/** Counts and hashes the bytes of a put's source as they pass; remembers the source's own failure. */
class HashingSource {
  private readonly hash = createHash('sha256');
  size = 0;
  sourceError: unknown;
  readonly stream: Readable;

  constructor(private readonly source: Readable | AsyncIterable<Uint8Array>) {
    this.stream = Readable.from(this.pass(), { objectMode: false });
  }

  private async *pass(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of this.source) {
        const buffer = toBuffer(chunk);
        this.hash.update(buffer);
        this.size += buffer.length;
        yield buffer;
      }
    } catch (error) {
      this.sourceError = error;
      throw error;
    }
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  /** Ends the source after a failed put (a tar producer, a socket) so nothing is left waiting. */
  destroy() {
    this.stream.destroy();
    if (this.source instanceof Readable) {
      this.source.destroy();
    }
  }
}

/** The steps of one store's put, for {@link checksummedPut}. */
export interface PutSteps {
  /** Streams the bytes where no reader sees them yet (a temporary file, data without its sidecar). */
  write(stream: Readable): Promise<void>;
  /** Makes the object visible with this checksum, size and metadata (its sidecar last). */
  commit(info: BackupObjectInfo): Promise<void>;
  /** After a failure: removes what write and commit left (best effort). */
  cleanUp(): Promise<void>;
  /** The typed error for a failure of the store itself. */
  mapError(error: unknown): unknown;
}

/**
 * A put as every store does it: validate, hash and count the bytes while `write` streams them,
 * `commit` them with their checksum, and on any failure destroy the source, clean up, and reject
 * with the source's own error, an AbortError, or the store's typed error.
 */
export async function checksummedPut(
  key: string,
  body: Readable | AsyncIterable<Uint8Array>,
  options: BackupPutOptions | undefined,
  steps: PutSteps,
): Promise<BackupObjectInfo> {
  validateBackupKey(key);
  const metadata = validateBackupMetadata(key, options?.metadata);
  const source = new HashingSource(body);
  try {
    options?.signal?.throwIfAborted();
    await steps.write(source.stream);
    options?.signal?.throwIfAborted();
    const info: BackupObjectInfo = {
      key,
      size: source.size,
      sha256: source.digest(),
      metadata,
      createdAt: new Date(),
    };
    await steps.commit(info);
    return info;
  } catch (error) {
    source.destroy();
    await steps.cleanUp().catch(() => {});
    if (source.sourceError) {
      throw source.sourceError;
    }
    if (options?.signal?.aborted) {
      throw abortError(options.signal);
    }
    throw steps.mapError(error);
  }
}

/**
 * The bytes of `body` as a stream that fails with a {@link BackupChecksumMismatchError} instead of
 * ending when their SHA-256 or size is not the expected one; `mapError` turns a read failure into
 * a typed one. Destroying the result destroys `body`.
 */
export function verifyingStream(
  info: BackupObjectInfo,
  body: AsyncIterable<Uint8Array>,
  mapError: (error: unknown) => unknown,
): Readable {
  async function* verify(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of body) {
        const buffer = toBuffer(chunk);
        hash.update(buffer);
        size += buffer.length;
        yield buffer;
      }
    } catch (error) {
      throw mapError(error);
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== info.sha256 || size !== info.size) {
      throw new BackupChecksumMismatchError(
        info.key,
        { sha256: info.sha256, size: info.size },
        { sha256, size },
      );
    }
  }
  return Readable.from(verify(), { objectMode: false });
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk);
  }
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The error a put rejects with when its signal aborts it: the signal's reason, or an AbortError. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : Object.assign(new Error('The put was aborted'), { name: 'AbortError' });
}
