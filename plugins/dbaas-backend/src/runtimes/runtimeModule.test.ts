import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { dbaasRuntimesExtensionPoint } from '@dbaas/plugin-dbaas-node';
import fs from 'fs';
import { Client } from 'pg';
import request from 'supertest';
import { dbaasPlugin } from '../plugin';
import { makeDataDir, TEST_ENCRYPTION_KEY } from '../__testUtils__/fixtures';
import { testCatalogFactory } from '../__testUtils__/testOrg';
import { as, SHARED_SERVER, sharedFlavor } from '../__testUtils__/managerApi';
import { sharedPostgresRuntimeModule } from './__testUtils__/sharedPostgresRuntimeModule';

jest.setTimeout(60_000);

const asAlice = as('alice');

/** The local runtime's folders of this file's backends, removed after its tests. */
const dataDirs: string[] = [];
function dataDir() {
  dataDirs.push(makeDataDir('module-test'));
  return dataDirs[dataDirs.length - 1];
}
afterAll(() =>
  dataDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })),
);
const flavor = sharedFlavor;

function config(runtimes: Record<string, unknown>) {
  return mockServices.rootConfig.factory({
    data: {
      dbaas: {
        flavors: [flavor],
        runtimes: {
          local: { dataDir: dataDir() },
          ...runtimes,
        },
        encryption: { key: TEST_ENCRYPTION_KEY },
      },
    },
  });
}

describe('a runtime from another backend module', () => {
  it('is offered, chosen by name and runs a database that keeps a row', async () => {
    const { server } = await startTestBackend({
      features: [
        dbaasPlugin,
        sharedPostgresRuntimeModule,
        testCatalogFactory(),
        config({ 'shared-postgres': { url: SHARED_SERVER } }),
      ],
    });

    const runtimes = await request(server)
      .get('/api/dbaas/runtimes')
      .set('Authorization', asAlice);
    expect(runtimes.body.items).toContainEqual({
      name: 'shared-postgres',
      flavorIds: ['postgresql-shared'],
    });

    const created = await request(server)
      .post('/api/dbaas/instances')
      .set('Authorization', asAlice)
      .send({
        name: 'module-db',
        owner: 'group:default/team-a',
        flavorId: flavor.id,
        runtime: 'shared-postgres',
      });
    expect(created.status).toBe(202);
    const url = `/api/dbaas/instances/${created.body.id}`;
    let instance = created.body;
    for (let i = 0; i < 100 && instance.status === 'provisioning'; i++) {
      await new Promise(r => setTimeout(r, 200));
      instance = (await request(server).get(url).set('Authorization', asAlice))
        .body;
    }
    expect(instance).toMatchObject({
      status: 'running',
      runtime: 'shared-postgres',
      health: 'healthy',
    });

    const creds = (
      await request(server)
        .get(`${url}/credentials`)
        .set('Authorization', asAlice)
    ).body;
    const client = new Client({
      host: creds.host,
      port: creds.port,
      database: creds.database,
      user: creds.username,
      password: creds.password,
    });
    await client.connect();
    await client.query('CREATE TABLE t (v TEXT)');
    await client.query("INSERT INTO t VALUES ('kept')");
    expect((await client.query('SELECT v FROM t')).rows).toEqual([
      { v: 'kept' },
    ]);
    await client.end();

    await request(server).delete(url).set('Authorization', asAlice);
    for (let i = 0; i < 100; i++) {
      if (
        (await request(server).get(url).set('Authorization', asAlice))
          .status === 404
      )
        break;
      await new Promise(r => setTimeout(r, 200));
    }
    const admin = new Client({ connectionString: SHARED_SERVER });
    await admin.connect();
    const left = await admin.query(
      "SELECT datname FROM pg_database WHERE datname = 'module_db'",
    );
    await admin.end();
    expect(left.rows).toEqual([]);
  });

  it('is left out, with the runtimes that exist named, while its config block is missing', async () => {
    const { server } = await startTestBackend({
      features: [
        dbaasPlugin,
        sharedPostgresRuntimeModule,
        testCatalogFactory(),
        config({}),
      ],
    });
    const refused = await request(server)
      .post('/api/dbaas/instances')
      .set('Authorization', asAlice)
      .send({
        name: 'module-db',
        owner: 'group:default/team-a',
        flavorId: flavor.id,
        runtime: 'shared-postgres',
      });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      "runtime: 'shared-postgres' is not configured; configured runtimes: local",
    );
  });

  it('refuses to start when two runtimes share a name', async () => {
    const impostor = createBackendModule({
      pluginId: 'dbaas',
      moduleId: 'impostor',
      register(reg) {
        reg.registerInit({
          deps: { runtimes: dbaasRuntimesExtensionPoint },
          async init({ runtimes }) {
            runtimes.addRuntime({
              name: 'local',
              create: () => ({
                name: 'local',
                host: {} as any,
                engine: {} as any,
                unsupportedReason: () => undefined,
              }),
            });
          },
        });
      },
    });
    await expect(
      startTestBackend({
        features: [
          dbaasPlugin,
          impostor,
          testCatalogFactory(),
          config({ local: { dataDir: dataDir() } }),
        ],
      }),
    ).rejects.toThrow(
      "Two runtimes are named 'local': remove one of the modules (or built-in configs) that register it",
    );
  });
});
