import {
  coreServices,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports -- the test starts the Manager with this module
import dbaasPlugin from '@dbaas/plugin-dbaas-backend';
import {
  makeDataDir,
  TEST_ENCRYPTION_KEY,
} from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import { dbaasModuleS3BackupStore } from './module';

jest.setTimeout(60_000);

const dirs: string[] = [];
afterAll(() =>
  dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })),
);

/** The Manager with `dbaas.backups.store` set to `store`, logging into `lines`. */
function manager(store: object, lines: string[] = []) {
  dirs.push(makeDataDir('s3-module'));
  const logger: LoggerService = {
    error: message => void lines.push(message),
    warn: message => void lines.push(message),
    info: message => void lines.push(message),
    debug: () => {},
    child: () => logger,
  };
  return [
    dbaasPlugin,
    catalogServiceMock.factory(),
    createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => logger,
    }),
    mockServices.rootConfig.factory({
      data: {
        dbaas: {
          flavors: [],
          replicaId: 's3-module-test', // no .dbaas/replica-id in the package
          runtimes: { local: { dataDir: dirs[dirs.length - 1] } },
          encryption: { key: TEST_ENCRYPTION_KEY },
          backups: { store },
        },
      },
    }),
  ];
}

const store = {
  type: 's3',
  bucket: 'dbaas-backups',
  prefix: 'prod',
  endpoint: 'http://127.0.0.1:9',
  forcePathStyle: true,
};

describe('the s3 backup store module', () => {
  it('gives the Manager an S3 store made from dbaas.backups.store', async () => {
    const lines: string[] = [];
    const backend = await startTestBackend({
      features: [...manager(store, lines), dbaasModuleS3BackupStore],
    });
    expect(lines).toContain(
      'Backups go to s3 s3://dbaas-backups/prod/ at http://127.0.0.1:9',
    );
    await backend.stop();
  });

  it('stops the backend on a wrong s3 setting, naming its key', async () => {
    await expect(
      startTestBackend({
        features: [
          ...manager({ type: 's3', endpoint: store.endpoint }),
          dbaasModuleS3BackupStore,
        ],
      }),
    ).rejects.toThrow(
      "Invalid app-config at 'dbaas.backups.store.bucket': is required: the bucket backups go to",
    );
  });

  it('is what the Manager asks for when an s3 store is configured without it', async () => {
    await expect(
      startTestBackend({ features: manager(store) }),
    ).rejects.toThrow(
      'add @dbaas/plugin-dbaas-backend-module-s3 to the backend for s3',
    );
  });
});
