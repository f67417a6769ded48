import { ConfigReader } from '@backstage/config';
import { FilesystemBackupStore, S3BackupStore } from '@dbaas/plugin-dbaas-node';
import path from 'path';
import { createBackupStore, readBackupStoreConfig } from './config';

const dataDir = '/srv/dbaas/local-runtime';
/** `store` as app-config would give it; wrong shapes on purpose. */
const read = (store: object | string) =>
  readBackupStoreConfig(
    new ConfigReader({ dbaas: { backups: { store } } } as any),
    dataDir,
  );

describe('readBackupStoreConfig', () => {
  it('defaults to a directory beside the local runtime data (.dbaas/backups)', () => {
    expect(readBackupStoreConfig(new ConfigReader({}), dataDir)).toEqual({
      type: 'filesystem',
      directory: '/srv/dbaas/backups',
    });
    expect(
      readBackupStoreConfig(
        new ConfigReader({}),
        path.join('.dbaas', 'local-runtime'),
      ),
    ).toEqual({
      type: 'filesystem',
      directory: path.resolve('.dbaas', 'backups'),
    });
    expect(read({ type: 'filesystem' })).toEqual({
      type: 'filesystem',
      directory: '/srv/dbaas/backups',
    });
  });

  it('reads a filesystem store, resolving its directory', () => {
    expect(read({ type: 'filesystem', directory: 'backups' })).toEqual({
      type: 'filesystem',
      directory: path.resolve('backups'),
    });
  });

  it('reads an S3-compatible store', () => {
    const settings = {
      type: 's3',
      bucket: 'dbaas-backups',
      prefix: 'prod/',
      region: 'eu-west-1',
      endpoint: 'https://minio.example.com:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    };
    expect(read({ ...settings, partSizeMiB: 32 })).toEqual({
      ...settings,
      partSizeBytes: 32 * 1024 * 1024,
    });
    // credentials absent: the default AWS chain
    expect(read({ type: 's3', bucket: 'b-1' })).toEqual({
      type: 's3',
      bucket: 'b-1',
    });
  });

  it.each([
    [
      { type: 'gcs' },
      "Invalid app-config at 'dbaas.backups.store.type': must be one of filesystem, s3 (got 'gcs')",
    ],
    [
      { bucket: 'b' },
      "Invalid app-config at 'dbaas.backups.store.type': must be one of filesystem, s3",
    ],
    [
      'somewhere',
      "Invalid app-config at 'dbaas.backups.store': must be an object with a type (filesystem or s3)",
    ],
    [
      { type: 's3' },
      "Invalid app-config at 'dbaas.backups.store.bucket': is required: the bucket backups go to",
    ],
    [
      { type: 's3', bucket: 'b/c' },
      "Invalid app-config at 'dbaas.backups.store.bucket': must be a bucket name",
    ],
    [
      { type: 's3', bucket: 'bkt', endpoint: 'minio:9000' },
      "Invalid app-config at 'dbaas.backups.store.endpoint': must be an http:// or https:// URL, e.g. http://minio:9000",
    ],
    [
      { type: 's3', bucket: 'bkt', endpoint: 'ftp://minio' },
      "Invalid app-config at 'dbaas.backups.store.endpoint': must be an http:// or https:// URL",
    ],
    [
      { type: 's3', bucket: 'bkt', credentials: { accessKeyId: 'AK' } },
      "Invalid app-config at 'dbaas.backups.store.credentials.secretAccessKey': Required",
    ],
    [
      { type: 's3', bucket: 'bkt', partSizeMiB: 1 },
      "Invalid app-config at 'dbaas.backups.store.partSizeMiB': must be at least 5",
    ],
    [
      { type: 's3', bucket: 'bkt', prefix: '/abs' },
      "Invalid app-config at 'dbaas.backups.store.prefix': must be '/'-separated names",
    ],
    [
      { type: 's3', bucket: 'bkt', bucketName: 'x' },
      "Invalid app-config at 'dbaas.backups.store.bucketName': is not a setting of a s3 backup store (unknown key)",
    ],
    [
      { type: 'filesystem', bucket: 'x' },
      "Invalid app-config at 'dbaas.backups.store.bucket': is not a setting of a filesystem backup store (unknown key)",
    ],
  ])('names the key of a wrong setting: %j', (store, message) => {
    expect(() => read(store)).toThrow(message);
  });
});

describe('createBackupStore', () => {
  it('makes the configured store', () => {
    const fsStore = createBackupStore({
      type: 'filesystem',
      directory: '/srv/backups',
    });
    expect(fsStore).toBeInstanceOf(FilesystemBackupStore);
    expect(fsStore.description).toBe('filesystem /srv/backups');

    const s3 = createBackupStore({
      type: 's3',
      bucket: 'dbaas-backups',
      prefix: 'prod',
      endpoint: 'http://127.0.0.1:9',
    }) as S3BackupStore;
    expect(s3).toBeInstanceOf(S3BackupStore);
    expect(s3.description).toBe(
      's3 s3://dbaas-backups/prod/ at http://127.0.0.1:9',
    );
    s3.destroy();
  });
});
