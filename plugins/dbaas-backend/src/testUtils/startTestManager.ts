import { BackendFeature } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  makeDataDir,
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { AddressInfo } from 'net';
import path from 'path';
import { dbaasPlugin } from '../plugin';
import { Memberships, testCatalogFactory } from './testOrg';

export interface TestManagerOptions {
  /**
   * The `dbaas` config. By default one flavor (`postgresFlavor`), the local runtime in
   * `dataDir`, and TEST_ENCRYPTION_KEY; `runtimes` given here are added to the local one.
   */
  dbaas?: Record<string, unknown>;
  /** More root config beside `dbaas` (e.g. `app.baseUrl`). */
  config?: Record<string, unknown>;
  /** The test catalog's users and their groups (default: `defaultMemberships`). */
  memberships?: Memberships;
  /** More catalog entities beside the users and groups (e.g. templates). */
  entities?: Entity[];
  /** More features: runtime modules, other plugins, service factories (database, logger…). */
  features?: BackendFeature[];
  /** The local runtime's folder (default: a fresh one from `makeDataDir`). */
  dataDir?: string;
}

/**
 * The DBaaS Manager in a test backend, with a test catalog (alice in team-a…) and a config of
 * `options.dbaas` over small defaults: its server, base URL and the local runtime's `dataDir`
 * (which the caller removes once the servers in it are gone), and `stop()`.
 */
export async function startTestManager(options: TestManagerOptions = {}) {
  const dataDir = options.dataDir ?? makeDataDir('manager');
  const { runtimes, ...dbaas } = options.dbaas ?? {};
  const backend = await startTestBackend({
    features: [
      dbaasPlugin,
      testCatalogFactory(options.memberships, options.entities),
      mockServices.rootConfig.factory({
        data: {
          ...options.config,
          dbaas: {
            flavors: [postgresFlavor],
            encryption: { key: TEST_ENCRYPTION_KEY },
            // inside the data folder, which the caller removes
            backups: {
              store: {
                type: 'filesystem',
                directory: path.join(dataDir, '.backups'),
              },
            },
            ...dbaas,
            runtimes: { local: { dataDir }, ...(runtimes as object) },
          },
        },
      }),
      ...(options.features ?? []),
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  return {
    server: backend.server,
    baseUrl: `http://localhost:${port}`,
    dataDir,
    /** Stops the backend (its servers keep running: delete the instances first). */
    stop: () => backend.stop(),
  };
}

export type TestManager = Awaited<ReturnType<typeof startTestManager>>;
