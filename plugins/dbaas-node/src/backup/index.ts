export * from './BackupStore';
export * from './errors';
export * from './FilesystemBackupStore';
export * from './postgresRecovery';
export * from './postgresBaseBackup';
export {
  recoveryConf,
  restoreTar,
  smallFilesTar,
  walTar,
  RECOVERY_CONF,
  RESTORE_HBA,
  RESTORE_WAL_DIR,
} from './postgresRestoreTar';
export * from './mariadbDump';
export * from './backupStream';
