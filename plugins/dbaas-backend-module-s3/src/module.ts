import { createBackendModule } from '@backstage/backend-plugin-api';
import { dbaasBackupStoresExtensionPoint } from '@dbaas/plugin-dbaas-node';
import { readS3BackupStoreConfig } from './config';
import { S3BackupStore } from './S3BackupStore';

/**
 * Adds the `s3` backup store to the DBaaS Manager: an S3-compatible bucket (AWS S3, MinIO, Ceph
 * RGW, GCS), used when `dbaas.backups.store.type` is `s3`.
 */
export const dbaasModuleS3BackupStore = createBackendModule({
  pluginId: 'dbaas',
  moduleId: 's3-backup-store',
  register(reg) {
    reg.registerInit({
      deps: { backupStores: dbaasBackupStoresExtensionPoint },
      async init({ backupStores }) {
        backupStores.addBackupStore({
          type: 's3',
          create: ({ config }) =>
            new S3BackupStore(readS3BackupStoreConfig(config)),
        });
      },
    });
  },
});
