/** What went wrong with a backup store call, for callers that retry, fail a backup or show a fault. */
export type BackupStoreErrorCode =
  /** No such object (or only half of one: a put that never completed). */
  | 'NOT_FOUND'
  /** The store cannot be reached right now (network, DNS, timeout, 5xx, a lost mount): retry later. */
  | 'UNREACHABLE'
  /** An object's bytes do not match the SHA-256 (or size) recorded when it was written. */
  | 'CHECKSUM_MISMATCH'
  /** The store refused the credentials or the operation (403, EACCES). */
  | 'PERMISSION'
  /** A key or metadata the store does not accept. */
  | 'INVALID'
  /** Anything else (a missing bucket, a full disk, an unexpected answer). */
  | 'FAILED';

/** Every error a {@link BackupStore} raises; `key` names the object when there is one. */
export class BackupStoreError extends Error {
  constructor(
    readonly code: BackupStoreErrorCode,
    message: string,
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackupStoreError';
  }
}

export class BackupObjectNotFoundError extends BackupStoreError {
  constructor(key: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', `Backup object '${key}' does not exist`, key, options);
    this.name = 'BackupObjectNotFoundError';
  }
}

export class BackupStoreUnreachableError extends BackupStoreError {
  constructor(store: string, detail: string, key?: string, cause?: unknown) {
    super(
      'UNREACHABLE',
      `Backup store ${store} is unreachable${
        key ? ` (object '${key}')` : ''
      }: ${detail}`,
      key,
      { cause },
    );
    this.name = 'BackupStoreUnreachableError';
  }
}

/** The bytes read back are not the bytes written: the stream that carried them fails with this at its end. */
export class BackupChecksumMismatchError extends BackupStoreError {
  constructor(
    key: string,
    readonly expected: { sha256: string; size: number },
    readonly actual: { sha256: string; size: number },
  ) {
    super(
      'CHECKSUM_MISMATCH',
      `Backup object '${key}' is corrupt: read ${actual.size} bytes with SHA-256 ${actual.sha256}, ` +
        `but ${expected.size} bytes with SHA-256 ${expected.sha256} were written`,
      key,
    );
    this.name = 'BackupChecksumMismatchError';
  }
}

export class BackupStorePermissionError extends BackupStoreError {
  constructor(store: string, detail: string, key?: string, cause?: unknown) {
    super(
      'PERMISSION',
      `Backup store ${store} refused access${
        key ? ` to object '${key}'` : ''
      }: ${detail}`,
      key,
      { cause },
    );
    this.name = 'BackupStorePermissionError';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTCONN',
  'ESTALE',
  'EIO',
]);

const NETWORK_MESSAGE = new RegExp(
  `\\b(${[...NETWORK_CODES].filter(c => c !== 'EIO').join('|')})\\b`,
);

/**
 * An error from the network or a lost mount: by its code or a cause's (e.g. an AggregateError),
 * or by the code in its message when a wrapper kept only that.
 */
export function isNetworkError(error: unknown): boolean {
  for (let e = error as any, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
      return true;
    }
    if (typeof e.message === 'string' && NETWORK_MESSAGE.test(e.message)) {
      return true;
    }
    if (['TimeoutError', 'RequestTimeout'].includes(e.name)) {
      return true;
    }
    if (Array.isArray(e.errors) && e.errors.some(isNetworkError)) {
      return true;
    }
    e = e.cause;
  }
  return false;
}

/** The typed error for a failure of `store` (a description) that the caller has classified as `code`. */
export function backupStoreFailure(
  code: 'NOT_FOUND' | 'UNREACHABLE' | 'PERMISSION' | 'FAILED',
  store: string,
  error: unknown,
  key?: string,
  detail = (error as Error)?.message ?? String(error),
): BackupStoreError {
  if (code === 'NOT_FOUND' && key) {
    return new BackupObjectNotFoundError(key, { cause: error });
  }
  if (code === 'UNREACHABLE') {
    return new BackupStoreUnreachableError(store, detail, key, error);
  }
  if (code === 'PERMISSION') {
    return new BackupStorePermissionError(store, detail, key, error);
  }
  return new BackupStoreError(
    'FAILED',
    `Backup store ${store} failed${
      key ? ` on object '${key}'` : ''
    }: ${detail}`,
    key,
    { cause: error },
  );
}
