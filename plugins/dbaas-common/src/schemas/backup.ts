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
