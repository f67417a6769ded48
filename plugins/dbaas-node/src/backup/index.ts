export * from './BackupStore';
export * from './errors';
export * from './FilesystemBackupStore';
export * from './postgresRecovery';
