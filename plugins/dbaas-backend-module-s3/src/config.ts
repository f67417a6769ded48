import { Config } from '@backstage/config';
import { z } from 'zod';
import { S3BackupStoreOptions } from './S3BackupStore';

const KEY = 'dbaas.backups.store';

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
 * Reads the `dbaas.backups.store` block of an s3 store: `{ type: s3, bucket, prefix?, region?,
 * endpoint?, forcePathStyle?, credentials?: { accessKeyId, secretAccessKey, sessionToken? },
 * partSizeMiB? }`. Throws an error naming the wrong key.
 */
export function readS3BackupStoreConfig(config: Config): S3BackupStoreOptions {
  const result = s3Schema.safeParse(config.get());
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      throw invalid(
        issue.keys[0],
        'is not a setting of an s3 backup store (unknown key)',
      );
    }
    throw invalid(issue.path.join('.'), issue.message);
  }
  const { type: _type, partSizeMiB, ...options } = result.data;
  return partSizeMiB
    ? { ...options, partSizeBytes: partSizeMiB * 1024 * 1024 }
    : options;
}

function invalid(at: string, problem: string) {
  return new Error(
    `Invalid app-config at '${at ? `${KEY}.${at}` : KEY}': ${problem}`,
  );
}

function isHttpUrl(value: string) {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
