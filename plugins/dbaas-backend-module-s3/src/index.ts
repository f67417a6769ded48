/**
 * The S3 backup store of the DBaaS Manager, as a backend module: backups and archived logs in an
 * S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Google Cloud Storage's S3 API).
 *
 * @packageDocumentation
 */
export { dbaasModuleS3BackupStore as default } from './module';
export { S3BackupStore } from './S3BackupStore';
export type { S3BackupStoreOptions } from './S3BackupStore';
export { readS3BackupStoreConfig } from './config';
