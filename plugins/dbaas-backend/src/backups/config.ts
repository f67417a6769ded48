import { Config } from '@backstage/config';
import {
  BackupStore,
  FilesystemBackupStore,
  S3BackupStore,
  S3BackupStoreOptions,
} from '@dbaas/plugin-dbaas-node';
import path from 'path';
import { z } from 'zod';
import { DbaasConfigError, issuePath } from '../config/readDbaasConfig';

/** Where backups go: `dbaas.backups.store`. */
export type BackupStoreConfig =
  | { type: 'filesystem'; directory: string }
  | ({ type: 's3' } & S3BackupStoreOptions);

const KEY = 'dbaas.backups.store';
const TYPES = ['filesystem', 's3'] as const;

const filesystemSchema = z
  .object({
    type: z.literal('filesystem'),
    directory: z.string().min(1, 'must not be empty').optional(),
  })
  .strict();

const s3Schema = z
  .object({
    type: z.literal('s3'),
    bucket: z
      .string({ required_error: 'is required: the bucket backups go to' })
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/,
        'must be a bucket name: 3 to 255 letters, digits, dots, dashes or underscores',
      ),
    prefix: z
      .string()
      .regex(
        /^([A-Za-z0-9_-][A-Za-z0-9._-]*\/?)*$/,
        "must be '/'-separated names of letters, digits, '.', '_' and '-', e.g. dbaas/backups",
      )
      .optional(),
    region: z.string().min(1).optional(),
    endpoint: z
      .string()
      .refine(
        isHttpUrl,
        'must be an http:// or https:// URL, e.g. http://minio:9000',
      )
      .optional(),
    forcePathStyle: z.boolean().optional(),
    credentials: z
      .object({
        accessKeyId: z.string().min(1, 'must not be empty'),
        secretAccessKey: z.string().min(1, 'must not be empty'),
        sessionToken: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    partSizeMiB: z
      .number()
      .int()
      .min(5, 'must be at least 5 (the smallest part S3 accepts)')
      .max(5120, 'must be at most 5120 (the largest part S3 accepts)')
      .optional(),
  })
  .strict();

/**
 * Reads `dbaas.backups.store`: `{ type: filesystem, directory? }` or `{ type: s3, bucket, prefix?,
 * region?, endpoint?, forcePathStyle?, credentials?: { accessKeyId, secretAccessKey,
 * sessionToken? }, partSizeMiB? }`. Without it: a directory `backups` beside the local runtime's
 * data directory (`.dbaas/backups` by default). Throws a {@link DbaasConfigError} naming the key.
 */
export function readBackupStoreConfig(
  config: Config,
  localRuntimeDataDir: string,
): BackupStoreConfig {
  const defaultDirectory = path.join(
    path.dirname(path.resolve(localRuntimeDataDir)),
    'backups',
  );
  const raw = config.getOptional<unknown>(KEY);
  if (raw === undefined) {
    return { type: 'filesystem', directory: defaultDirectory };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DbaasConfigError(
      KEY,
      `must be an object with a type (${TYPES.join(' or ')})`,
    );
  }
  const type = (raw as { type?: unknown }).type;
  if (!TYPES.includes(type as any)) {
    throw new DbaasConfigError(
      `${KEY}.type`,
      `must be one of ${TYPES.join(', ')}${
        type === undefined ? '' : ` (got '${String(type)}')`
      }`,
    );
  }
  if (type === 'filesystem') {
    const fsConfig = parse(filesystemSchema, raw);
    return {
      type,
      directory: fsConfig.directory
        ? path.resolve(fsConfig.directory)
        : defaultDirectory,
    };
  }
  const { partSizeMiB, ...s3 } = parse(s3Schema, raw);
  return {
    ...s3,
    partSizeBytes: partSizeMiB ? partSizeMiB * 1024 * 1024 : undefined,
  };
}

/** The store a {@link BackupStoreConfig} describes. */
export function createBackupStore(config: BackupStoreConfig): BackupStore {
  if (config.type === 'filesystem') {
    return new FilesystemBackupStore({ directory: config.directory });
  }
  const { type: _type, ...options } = config;
  return new S3BackupStore(options);
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    throw new DbaasConfigError(
      `${KEY}.${issue.keys[0]}`,
      `is not a setting of a ${
        (value as { type: string }).type
      } backup store (unknown key)`,
    );
  }
  const { path: at, message } = issuePath(result.error);
  throw new DbaasConfigError(at ? `${KEY}.${at}` : KEY, message);
}

function isHttpUrl(value: string) {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
