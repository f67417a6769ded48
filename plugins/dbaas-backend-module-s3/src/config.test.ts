import { ConfigReader } from '@backstage/config';
import { readS3BackupStoreConfig } from './config';

/** `dbaas.backups.store` as app-config would give it; wrong shapes on purpose. */
const read = (store: object) =>
  readS3BackupStoreConfig(new ConfigReader(store as any));

describe('readS3BackupStoreConfig', () => {
  it('reads an S3-compatible store', () => {
    const settings = {
      bucket: 'dbaas-backups',
      prefix: 'prod/',
      region: 'eu-west-1',
      endpoint: 'https://minio.example.com:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    };
    expect(read({ type: 's3', ...settings, partSizeMiB: 32 })).toEqual({
      ...settings,
      partSizeBytes: 32 * 1024 * 1024,
    });
    // credentials absent: the default AWS chain
    expect(read({ type: 's3', bucket: 'b-1' })).toEqual({ bucket: 'b-1' });
  });

  it.each([
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
      "Invalid app-config at 'dbaas.backups.store.bucketName': is not a setting of an s3 backup store (unknown key)",
    ],
  ])('names the key of a wrong setting: %j', (store, message) => {
    expect(() => read(store)).toThrow(message);
  });
});
