import { z } from 'zod';
import { DbaasApiSchemas } from './api';

/** A full backup of an instance in the backup store; kept after the instance is deleted. */
export type Backup = DbaasApiSchemas['Backup'];
export type BackupStatus = Backup['status'];
export type BackupTrigger = Backup['trigger'];
export type BackupFault = DbaasApiSchemas['BackupFault'];

export const BACKUP_STATUSES = [
  'running',
  'completed',
  'failed',
] as const satisfies readonly BackupStatus[];

export const BACKUP_TRIGGERS = [
  'manual',
  'scheduled',
  'final',
] as const satisfies readonly BackupTrigger[];

export type ListBackupsResponse = DbaasApiSchemas['ListBackupsResponse'];

/** The moments an instance can be restored to (ISO times), both null before its first backup. */
export type RecoveryWindow = DbaasApiSchemas['RecoveryWindow'];

/** When scheduled backups run (cron, UTC) and how long backups are kept. */
export type BackupPolicy = DbaasApiSchemas['BackupPolicy'];
export type BackupPolicyInput = DbaasApiSchemas['BackupPolicyInput'];

/** Daily at 00:00 UTC, kept 7 days: for instances and flavors that set nothing. */
export const DEFAULT_BACKUP_POLICY: BackupPolicy = {
  schedule: '@daily',
  retentionDays: 7,
  retentionCount: null,
};

/** Checks a backup policy's fields (the Manager checks the cron expression itself). */
export const backupPolicyInputSchema = z
  .object({
    schedule: z
      .string()
      .min(1, "must be a cron expression, e.g. '0 3 * * *' or @daily, or null")
      .max(100)
      .nullable()
      .optional(),
    retentionDays: z
      .number()
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .max(3650, 'must be at most 3650 days')
      .optional(),
    retentionCount: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1000, 'must be at most 1000')
      .nullable()
      .optional(),
  })
  .strict() satisfies z.ZodType<BackupPolicyInput, z.ZodTypeDef, unknown>;
