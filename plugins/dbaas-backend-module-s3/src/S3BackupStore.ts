import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'stream';
import {
  BACKUP_META_SUFFIX,
  compareBackupKeys,
  BackupObjectInfo,
  BackupObjectSummary,
  BackupPutOptions,
  BackupStore,
  backupStoreFailure,
  BackupStoreError,
  checksummedPut,
  infoToSidecar,
  isNetworkError,
  sidecarToInfo,
  validateBackupKey,
  validateBackupPrefix,
  verifyingStream,
} from '@dbaas/plugin-dbaas-node';

export interface S3BackupStoreOptions {
  bucket: string;
  /** Prepended to every key, e.g. `dbaas/` (a missing trailing `/` is added). Default: none. */
  prefix?: string;
  /** Default: us-east-1 (MinIO, Ceph RGW and s3rver accept any; GCS wants `auto`). */
  region?: string;
  /** For anything but AWS S3, e.g. http://minio:9000 or https://storage.googleapis.com. */
  endpoint?: string;
  /** Bucket in the path instead of the host name: MinIO, Ceph RGW without wildcard DNS, s3rver. */
  forcePathStyle?: boolean;
  /** Static keys (GCS: an HMAC key); none: the default AWS chain (env, profile, web identity, instance role). */
  credentials?: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  };
  /** Bytes per part of a multipart upload (at least 5 MiB; at most 10,000 parts). Default: 16 MiB. */
  partSizeBytes?: number;
  /** Parts in flight at once per put (memory: partSize × queueSize). Default: 4. */
  queueSize?: number;
  /** Attempts per request, retries included. Default: 3. */
  maxAttempts?: number;
  /** How long a connection may take to open. Default: 10 s. */
  connectionTimeoutMs?: number;
}

/** Error names that mean refused access, and a busy or failing store (retry later). */
const PERMISSION_ERRORS = [
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
];
const UNAVAILABLE_ERRORS = ['SlowDown', 'ServiceUnavailable', 'InternalError'];

const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

/**
 * A {@link BackupStore} in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, GCS's XML API):
 * the object `a/b` is `PREFIX/a/b`, streamed up with lib-storage's multipart Upload (parts of
 * `partSizeBytes`, so memory stays at partSize × queueSize whatever the size), and its checksum,
 * size and metadata are the JSON object `PREFIX/a/b.dbaas-meta.json`, written once the upload has
 * completed: an object is visible once that sidecar exists. A failed put aborts its multipart
 * upload (a bucket lifecycle rule that aborts incomplete uploads after a day catches those a dying
 * process leaves) and removes what it wrote.
 *
 * The SDK's own CRC32 request checksums are off (`WHEN_REQUIRED`): several S3-compatible stores
 * (GCS, older MinIO and Ceph, s3rver) reject them, and the SHA-256 of the sidecar covers the
 * bytes end to end.
 */
export class S3BackupStore implements BackupStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3BackupStoreOptions) {
    this.bucket = options.bucket;
    this.prefix =
      options.prefix && !options.prefix.endsWith('/')
        ? `${options.prefix}/`
        : options.prefix ?? '';
    this.partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE;
    this.queueSize = options.queueSize ?? 4;
    this.description = `s3 s3://${this.bucket}/${this.prefix}${
      options.endpoint ? ` at ${options.endpoint}` : ''
    }`;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      maxAttempts: options.maxAttempts ?? 3,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      },
    });
  }

  /** Closes the client's connections. */
  destroy() {
    this.client.destroy();
  }

  async put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
    options?: BackupPutOptions,
  ): Promise<BackupObjectInfo> {
    const dataKey = this.prefix + key;
    let upload: Upload | undefined;
    let placed = false;
    return checksummedPut(key, body, options, {
      write: async stream => {
        // the old object (if any) disappears first, so no reader pairs new bytes with an old checksum
        await this.client.send(
          new DeleteObjectCommand({
            Bucket: this.bucket,
            Key: dataKey + BACKUP_META_SUFFIX,
          }),
        );
        const controller = new AbortController();
        const onAbort = () => controller.abort();
        options?.signal?.addEventListener('abort', onAbort);
        upload = new Upload({
          client: this.client,
          params: {
            Bucket: this.bucket,
            Key: dataKey,
            Body: stream,
            ContentType: 'application/octet-stream',
          },
          partSize: this.partSize,
          queueSize: this.queueSize,
          // aborted in cleanUp instead, so that a failed abort cannot hide the first error
          leavePartsOnError: true,
          abortController: controller,
        });
        try {
          await upload.done();
          placed = true;
        } finally {
          options?.signal?.removeEventListener('abort', onAbort);
        }
      },
      commit: async info => {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: dataKey + BACKUP_META_SUFFIX,
            Body: infoToSidecar(info),
            ContentType: 'application/json',
          }),
        );
      },
      cleanUp: async () => {
        if (placed) {
          // invisible without its sidecar; removed so that it takes no room
          await this.client.send(
            new DeleteObjectCommand({ Bucket: this.bucket, Key: dataKey }),
          );
        } else if (upload?.uploadId) {
          // s3rver refuses this (405); a bucket lifecycle rule removes what is left
          await this.client.send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: dataKey,
              UploadId: upload.uploadId,
            }),
          );
        }
      },
      mapError: error => this.mapError(error, key),
    });
  }

  async get(key: string): Promise<{ info: BackupObjectInfo; body: Readable }> {
    const info = await this.readSidecar(key);
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      const body = response.Body as Readable;
      return {
        info,
        body: verifyingStream(info, body, error => this.mapError(error, key)),
      };
    } catch (error) {
      throw this.mapError(error, key);
    }
  }

  async head(key: string): Promise<BackupObjectInfo> {
    const [info] = await Promise.all([
      this.readSidecar(key),
      this.client
        .send(
          new HeadObjectCommand({
            Bucket: this.bucket,
            Key: this.prefix + key,
          }),
        )
        .catch(error => {
          throw this.mapError(error, key);
        }),
    ]);
    return info;
  }

  async list(prefix: string): Promise<BackupObjectSummary[]> {
    validateBackupPrefix(prefix);
    const data = new Map<string, BackupObjectSummary>();
    const sidecars = new Set<string>();
    let token: string | undefined;
    try {
      do {
        const page: ListObjectsV2CommandOutput = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key!.slice(this.prefix.length);
          if (key.endsWith(BACKUP_META_SUFFIX)) {
            sidecars.add(key.slice(0, -BACKUP_META_SUFFIX.length));
          } else {
            data.set(key, {
              key,
              size: object.Size ?? 0,
              lastModified: object.LastModified ?? new Date(0),
            });
          }
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw this.mapError(error);
    }
    return [...data.values()]
      .filter(object => sidecars.has(object.key))
      .sort(compareBackupKeys);
  }

  async delete(key: string): Promise<void> {
    validateBackupKey(key);
    try {
      await this.client.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key + BACKUP_META_SUFFIX,
        }),
      );
      await this.client.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
        }),
      );
    } catch (error) {
      throw this.mapError(error, key);
    }
  }

  private async readSidecar(key: string): Promise<BackupObjectInfo> {
    validateBackupKey(key);
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key + BACKUP_META_SUFFIX,
        }),
      );
      return sidecarToInfo(key, await response.Body!.transformToString());
    } catch (error) {
      throw this.mapError(error, key);
    }
  }

  private mapError(error: unknown, key?: string): unknown {
    if (error instanceof BackupStoreError) {
      return error;
    }
    const e = error as {
      name?: string;
      message?: string;
      $metadata?: { httpStatusCode?: number };
    };
    const name = e.name ?? 'Error';
    const status = e.$metadata?.httpStatusCode ?? 0;
    const fail = (code: Parameters<typeof backupStoreFailure>[0]) =>
      backupStoreFailure(
        code,
        this.description,
        error,
        key,
        `${name}: ${e.message ?? String(error)}`,
      );
    if (isNetworkError(error)) {
      return fail('UNREACHABLE');
    }
    if (name === 'NoSuchBucket') {
      return new BackupStoreError(
        'FAILED',
        `Backup store ${this.description}: bucket '${this.bucket}' does not exist`,
        key,
        { cause: error },
      );
    }
    if (name === 'NoSuchKey' || name === 'NotFound') {
      return fail('NOT_FOUND');
    }
    if (status === 403 || PERMISSION_ERRORS.includes(name)) {
      return fail('PERMISSION');
    }
    if (status >= 500 || UNAVAILABLE_ERRORS.includes(name)) {
      return fail('UNREACHABLE');
    }
    return fail('FAILED');
  }
}
