import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Config, ConfigReader } from '@backstage/config';
import {
  BackupStore,
  BackupStoreRegistration,
  dbaasBackupStoresExtensionPoint,
  FilesystemBackupStore,
} from '@dbaas/plugin-dbaas-node';
import fs from 'fs';
import path from 'path';
import {
  makeDataDir,
  postgresFlavor,
  silentLogger,
  TEST_ENCRYPTION_KEY,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { dbaasPlugin } from '../plugin';
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

  it('hands the block of another type on whole, for the module that registered it', () => {
    const store = {
      type: 's3',
      bucket: 'dbaas-backups',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    };
    const block = readBackupStoreConfig(
      new ConfigReader({ dbaas: { backups: { store } } }),
      dataDir,
    );
    expect(block).toMatchObject({ type: 's3' });
    expect((block as { config: Config }).config.get()).toEqual(store);
  });

  it.each([
    [
      { bucket: 'b' },
      "Invalid app-config at 'dbaas.backups.store.type': is required: filesystem, or one a backend module adds, e.g. s3",
    ],
    [
      { type: 3 },
      "Invalid app-config at 'dbaas.backups.store.type': is required: filesystem, or one a backend module adds, e.g. s3 (got 3)",
    ],
    [
      'somewhere',
      "Invalid app-config at 'dbaas.backups.store': must be an object with a type (filesystem, or one a backend module adds, e.g. s3)",
    ],
    [
      { type: 'filesystem', directory: '' },
      "Invalid app-config at 'dbaas.backups.store.directory': must not be empty",
    ],
    [
      { type: 'filesystem', bucket: 'x' },
      "Invalid app-config at 'dbaas.backups.store.bucket': is not a setting of a filesystem backup store (unknown key)",
    ],
  ])('names the key of a wrong setting: %j', (store, message) => {
    expect(() => read(store)).toThrow(message);
  });
});

/** A registration whose stores remember the block they were made from. */
function standIn(type: string) {
  const made: Config[] = [];
  const registration: BackupStoreRegistration = {
    type,
    create: ({ config }) => {
      made.push(config);
      return { description: `${type} stand-in` } as BackupStore;
    },
  };
  return { registration, made };
}

const s3Block = { type: 's3', bucket: 'dbaas-backups', region: 'eu-west-1' };
const S3_WITHOUT_MODULE =
  "Invalid app-config at 'dbaas.backups.store.type': 's3' is not available (available: filesystem); add @dbaas/plugin-dbaas-backend-module-s3 to the backend for s3";

describe('createBackupStore', () => {
  const s3 = { type: 's3', config: new ConfigReader(s3Block) };

  it('makes a filesystem store itself', async () => {
    const store = await createBackupStore(
      { type: 'filesystem', directory: '/srv/backups' },
      { registrations: [], logger: silentLogger },
    );
    expect(store).toBeInstanceOf(FilesystemBackupStore);
    expect(store.description).toBe('filesystem /srv/backups');
  });

  it('makes another type with the factory a module registered, from its block', async () => {
    const { registration, made } = standIn('s3');
    const store = await createBackupStore(s3, {
      registrations: [standIn('gcs').registration, registration],
      logger: silentLogger,
    });
    expect(store.description).toBe('s3 stand-in');
    expect(made.map(c => c.get())).toEqual([s3Block]);
  });

  it('names the available types and the module to add for a type no module registered', async () => {
    await expect(
      createBackupStore(s3, { registrations: [], logger: silentLogger }),
    ).rejects.toThrow(S3_WITHOUT_MODULE);
    await expect(
      createBackupStore(
        { type: 'azure', config: new ConfigReader({ type: 'azure' }) },
        {
          registrations: [standIn('s3').registration],
          logger: silentLogger,
        },
      ),
    ).rejects.toThrow(
      "Invalid app-config at 'dbaas.backups.store.type': 'azure' is not available (available: filesystem, s3)",
    );
  });

  it('refuses two registrations of one type, and one of filesystem', async () => {
    for (const types of [['s3', 's3'], ['filesystem']]) {
      await expect(
        createBackupStore(s3, {
          registrations: types.map(t => standIn(t).registration),
          logger: silentLogger,
        }),
      ).rejects.toThrow(
        `Two backup stores are of type '${types[0]}': remove one of the modules that register it`,
      );
    }
  });
});

describe('the backup store at start-up', () => {
  const dataDirs: string[] = [];
  afterAll(() =>
    dataDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })),
  );
  const features = (store: object) => {
    dataDirs.push(makeDataDir('backup-store-test'));
    return [
      dbaasPlugin,
      catalogServiceMock.factory(),
      mockServices.rootConfig.factory({
        data: {
          dbaas: {
            flavors: [postgresFlavor],
            replicaId: 'backup-store-test',
            runtimes: { local: { dataDir: dataDirs[dataDirs.length - 1] } },
            encryption: { key: TEST_ENCRYPTION_KEY },
            backups: { store },
          },
        },
      }),
    ];
  };

  it('stops the backend when an s3 store is configured without the module that adds it', async () => {
    await expect(
      startTestBackend({ features: features(s3Block) }),
    ).rejects.toThrow(S3_WITHOUT_MODULE);
  });

  it('starts with the store a module registered through dbaasBackupStoresExtensionPoint', async () => {
    const { registration, made } = standIn('s3');
    const s3Module = createBackendModule({
      pluginId: 'dbaas',
      moduleId: 'test-s3-store',
      register(reg) {
        reg.registerInit({
          deps: { backupStores: dbaasBackupStoresExtensionPoint },
          async init({ backupStores }) {
            backupStores.addBackupStore(registration);
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [...features(s3Block), s3Module],
    });
    expect(made.map(c => c.get())).toEqual([s3Block]);
    await backend.stop();
  });
});
