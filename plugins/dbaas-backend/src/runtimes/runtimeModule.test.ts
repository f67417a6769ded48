import {
  BackendFeature,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { dbaasRuntimesExtensionPoint } from '@dbaas/plugin-dbaas-node';
import fs from 'fs';
import { Client } from 'pg';
import request from 'supertest';
import { makeDataDir } from '../__testUtils__/fixtures';
import {
  as,
  deleteAndWait,
  getCredentials,
  postInstance,
  Server,
  SHARED_SERVER,
  sharedFlavor,
  waitForInstance,
} from '../__testUtils__/managerApi';
import { startTestManager } from '../testUtils';
import { sharedPostgresRuntimeModule } from './__testUtils__/sharedPostgresRuntimeModule';

jest.setTimeout(60_000);

const asAlice = as('alice');

/** The local runtime's folders of this file's backends, removed after its tests. */
const dataDirs: string[] = [];
afterAll(() =>
  dataDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })),
);
const flavor = sharedFlavor;

/** A Manager with the modules in `features`, and `runtimes` configured beside the local one. */
function start(
  features: BackendFeature[],
  runtimes: Record<string, unknown> = {},
) {
  const dataDir = makeDataDir('module-test');
  dataDirs.push(dataDir);
  return startTestManager({
    dataDir,
    dbaas: { flavors: [flavor], runtimes },
    features,
  });
}

/** Asks for the test's database on the shared-postgres runtime. */
const createOn = (server: Server) =>
  postInstance(server, asAlice, {
    name: 'module-db',
    owner: 'group:default/team-a',
    flavorId: flavor.id,
    runtime: 'shared-postgres',
  });

describe('a runtime from another backend module', () => {
  it('is offered, chosen by name and runs a database that keeps a row', async () => {
    const { server } = await start([sharedPostgresRuntimeModule], {
      'shared-postgres': { url: SHARED_SERVER },
    });

    const runtimes = await request(server)
      .get('/api/dbaas/runtimes')
      .set('Authorization', asAlice);
    expect(runtimes.body.items).toContainEqual({
      name: 'shared-postgres',
      flavorIds: ['postgresql-shared'],
    });

    const created = await createOn(server);
    expect(created.status).toBe(202);
    const instance = await waitForInstance(
      server,
      asAlice,
      created.body.id,
      'provisioned',
      i => i?.status !== 'provisioning',
      { intervalMs: 200 },
    );
    expect(instance).toMatchObject({
      status: 'running',
      runtime: 'shared-postgres',
      health: 'healthy',
    });

    const creds = (await getCredentials(server, asAlice, created.body.id)).body;
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

    await deleteAndWait(server, asAlice, created.body.id);
    const admin = new Client({ connectionString: SHARED_SERVER });
    await admin.connect();
    const left = await admin.query(
      "SELECT datname FROM pg_database WHERE datname = 'module_db'",
    );
    await admin.end();
    expect(left.rows).toEqual([]);
  });

  it('is left out, with the runtimes that exist named, while its config block is missing', async () => {
    const { server } = await start([sharedPostgresRuntimeModule]);
    const refused = await createOn(server);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      "runtime: 'shared-postgres' is not configured; configured runtimes: local",
    );
  });

  it('with the local runtime disabled, offers only the others and refuses local by name', async () => {
    const dataDir = makeDataDir('module-test');
    dataDirs.push(dataDir);
    const { server } = await startTestManager({
      dataDir,
      dbaas: {
        flavors: [flavor],
        defaultRuntime: 'shared-postgres',
        runtimes: {
          local: { enabled: false, dataDir },
          'shared-postgres': { url: SHARED_SERVER },
        },
      },
      features: [sharedPostgresRuntimeModule],
    });
    const runtimes = await request(server)
      .get('/api/dbaas/runtimes')
      .set('authorization', asAlice);
    expect(runtimes.status).toBe(200);
    expect(runtimes.body.items.map((r: { name: string }) => r.name)).toEqual([
      'shared-postgres',
    ]);
    const refused = await postInstance(server, asAlice, {
      name: 'on-local',
      owner: 'group:default/team-a',
      flavorId: flavor.id,
      runtime: 'local',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      "runtime: 'local' is not configured; configured runtimes: shared-postgres",
    );
  });

  it('serves a flavor only on the runtimes it is bound to, in the API and in GET /runtimes', async () => {
    const dataDir = makeDataDir('module-test');
    dataDirs.push(dataDir);
    const bound = { ...flavor, runtimes: ['shared-postgres'] };
    const { server } = await startTestManager({
      dataDir,
      dbaas: {
        flavors: [bound],
        runtimes: { 'shared-postgres': { url: SHARED_SERVER } },
      },
      features: [sharedPostgresRuntimeModule],
    });
    const runtimes = await request(server)
      .get('/api/dbaas/runtimes')
      .set('authorization', asAlice);
    expect(
      Object.fromEntries(
        runtimes.body.items.map((r: { name: string; flavorIds: string[] }) => [
          r.name,
          r.flavorIds,
        ]),
      ),
    ).toEqual({ local: [], 'shared-postgres': [flavor.id] });
    const refused = await postInstance(server, asAlice, {
      name: 'bound-db',
      owner: 'group:default/team-a',
      flavorId: flavor.id,
      runtime: 'local',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      `runtime: 'local' cannot serve flavor ${flavor.id} (flavor ${flavor.id} is served only on shared-postgres); runtimes that can: shared-postgres`,
    );
  });

  it('refuses to start with a runtime block no installed runtime is named after', async () => {
    await expect(
      start([sharedPostgresRuntimeModule], { gce: { zone: 'europe-west1-b' } }),
    ).rejects.toThrow(
      "Invalid app-config at 'dbaas.runtimes.gce': no installed runtime is named 'gce'; installed: local, docker, shared-postgres",
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
    await expect(start([impostor])).rejects.toThrow(
      "Two runtimes are named 'local': remove one of the modules (or built-in configs) that register it",
    );
  });
});
