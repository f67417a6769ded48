import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import scaffolderModuleDbaas from '@dbaas/plugin-scaffolder-backend-module-dbaas';
import fs from 'fs';
import path from 'path';
import { Client } from 'pg';
import request from 'supertest';
import yaml from 'yaml';
import { postgresFlavor, until } from '@dbaas/plugin-dbaas-node/testUtils';
import { getCredentials, SHARED_SERVER } from '../__testUtils__/managerApi';
import { clientQuery } from '../__testUtils__/tlsClients';
import { appSql } from '../__testUtils__/appSql';
import { startTestManager } from '../testUtils';
import { sharedPostgresRuntimeModule } from './__testUtils__/sharedPostgresRuntimeModule';

jest.setTimeout(60_000);

const repoRoot = path.resolve(__dirname, '../../../..');
const asAlice = `Bearer ${mockCredentials.user.token('user:default/alice')}`;

/** A template of templates/ as the catalog serves it once read from its file location. */
function templateEntity(name: string): Entity {
  const file = path.join(repoRoot, 'templates', name, 'template.yaml');
  const entity: Entity = yaml.parse(fs.readFileSync(file, 'utf8'));
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      namespace: 'default',
      annotations: { 'backstage.io/managed-by-location': `file:${file}` },
    },
  };
}

// Jest runs this file in a realm of its own but lends it Node's fetch, so a body read with
// response.json() (the actions' DbaasClient) is made of Node's objects, which the scaffolder's
// templating refuses ("Only plain records can be used as template values"). One process in
// production has one realm; reading the text with this realm's JSON is the same there.
let json: jest.SpyInstance;
beforeAll(() => {
  json = jest
    .spyOn(Response.prototype, 'json')
    .mockImplementation(async function read(this: Response) {
      return JSON.parse(await this.text());
    });
});
afterAll(() => json.mockRestore());

async function startPortal() {
  const { server } = await startTestManager({
    features: [
      scaffolderPlugin,
      scaffolderModuleDbaas,
      sharedPostgresRuntimeModule,
    ],
    entities: [
      templateEntity('create-database'),
      templateEntity('delete-database'),
      templateEntity('restore-database'),
    ],
    config: { app: { baseUrl: 'http://localhost:3000' } },
    dbaas: { runtimes: { 'shared-postgres': { url: SHARED_SERVER } } },
  });
  return server;
}

/** Runs a template as alice through the scaffolder's REST API until its task ends. */
async function runTemplate(
  server: Parameters<typeof request>[0],
  templateRef: string,
  values: Record<string, unknown>,
) {
  const created = await request(server)
    .post('/api/scaffolder/v2/tasks')
    .set('Authorization', asAlice)
    .send({ templateRef, values });
  expect(created.status).toBe(201);
  const taskUrl = `/api/scaffolder/v2/tasks/${created.body.id}`;
  const task = await until(
    `task ${created.body.id} to end`,
    async () =>
      (
        await request(server).get(taskUrl).set('Authorization', asAlice)
      ).body,
    t => ['completed', 'failed', 'cancelled'].includes(t.status),
    { timeoutMs: 50_000, intervalMs: 250 },
  );
  const events = await request(server)
    .get(`${taskUrl}/events`)
    .set('Authorization', asAlice);
  return {
    status: task.status as string,
    output: events.body.find((e: any) => e.type === 'completion')?.body.output,
    log: events.body.map((e: any) => String(e.body.message)).join('\n'),
  };
}

describe('the Create Database template with a runtime from another module', () => {
  it("creates a database on the runtime chosen in the form's flavor, which keeps a row, and deletes it leaving nothing", async () => {
    const server = await startPortal();

    const created = await runTemplate(
      server,
      'template:default/create-database',
      {
        name: 'template-module-db',
        owner: 'group:default/team-a',
        flavor: {
          flavorId: postgresFlavor.id,
          storageGiB: 2,
          runtime: 'shared-postgres',
        },
        deletionProtection: false,
      },
    );

    // (a failure prints the whole task, its log too)
    expect(created).toEqual(expect.objectContaining({ status: 'completed' }));
    expect(created.log).toContain('template-module-db: provisioning');
    const instanceId = (created.output.links[0].url as string)
      .split('/')
      .pop()!;
    expect(created.output.links[0].url).toBe(
      `http://localhost:3000/dbaas/instances/${instanceId}`,
    );
    const url = `/api/dbaas/instances/${instanceId}`;
    const instance = await request(server)
      .get(url)
      .set('Authorization', asAlice);
    expect(instance.body).toMatchObject({
      name: 'template-module-db',
      runtime: 'shared-postgres',
      flavorId: postgresFlavor.id,
      storageGiB: 2,
      status: 'running',
      health: 'healthy',
      owner: 'group:default/team-a',
      createdBy: 'user:default/alice',
    });

    const creds = (await getCredentials(server, asAlice, instanceId)).body;
    // on the shared server, not on a server of its own
    expect(creds).toMatchObject({ host: '127.0.0.1', port: 5432 });
    expect(
      await clientQuery(
        'postgresql',
        { ...creds, user: creds.username },
        creds.password,
        "CREATE TABLE orders (id INT PRIMARY KEY, item TEXT); INSERT INTO orders VALUES (1, 'espresso'); SELECT item FROM orders",
        'plain',
      ),
    ).toEqual({ code: 0, output: expect.stringMatching(/\nespresso\n$/) });

    const deleted = await runTemplate(
      server,
      'template:default/delete-database',
      { instanceId },
    );

    expect(deleted).toEqual(expect.objectContaining({ status: 'completed' }));
    expect(deleted.log).toContain('Database template-module-db is deleted');
    expect(
      (await request(server).get(url).set('Authorization', asAlice)).status,
    ).toBe(404);
    const admin = new Client({ connectionString: SHARED_SERVER });
    await admin.connect();
    const left = await admin.query(
      'SELECT datname FROM pg_database WHERE datname = $1 UNION ALL SELECT rolname FROM pg_roles WHERE rolname = $2',
      [creds.database, creds.username],
    );
    await admin.end();
    expect(left.rows).toEqual([]);
  });
});

describe('the Restore Database template', () => {
  it("restores a database's latest backup into a new database with the same rows", async () => {
    const server = await startPortal();
    const api = (method: 'get' | 'post' | 'delete', url: string) =>
      request(server)[method](`/api/dbaas${url}`).set('Authorization', asAlice);
    const created = await api('post', '/instances').send({
      name: 'template-src-db',
      owner: 'group:default/team-a',
      flavorId: postgresFlavor.id,
      runtime: 'local',
    });
    expect(created.status).toBe(202);
    const running = (id: string) =>
      until(
        `${id} to run`,
        async () => (await api('get', `/instances/${id}`)).body,
        i => i.status !== 'provisioning',
        { timeoutMs: 50_000, intervalMs: 250 },
      );
    expect(await running(created.body.id)).toMatchObject({
      status: 'running',
    });
    const creds = (await getCredentials(server, asAlice, created.body.id)).body;
    await appSql(
      'postgresql',
      creds,
      'CREATE TABLE orders (id INT PRIMARY KEY, item TEXT)',
    );
    await appSql(
      'postgresql',
      creds,
      "INSERT INTO orders VALUES (1, 'espresso'), (2, 'flat white')",
    );
    const backup = await api('post', `/instances/${created.body.id}/backups`);
    expect(backup.status).toBe(202);
    await until(
      'the backup to end',
      async () => (await api('get', `/backups/${backup.body.id}`)).body,
      b => b.status !== 'running',
      { timeoutMs: 50_000, intervalMs: 250 },
    );

    const restored = await runTemplate(
      server,
      'template:default/restore-database',
      {
        source: 'template-src-db',
        mode: 'latest',
        name: 'template-copy-db',
        owner: 'group:default/team-a',
      },
    );

    expect(restored).toEqual(expect.objectContaining({ status: 'completed' }));
    const { body: list } = await api('get', '/instances?name=template-copy-db');
    const [copy] = list.items;
    expect(copy).toMatchObject({ status: 'running', runtime: 'local' });
    const copyCreds = (await getCredentials(server, asAlice, copy.id)).body;
    expect(
      await appSql(
        'postgresql',
        copyCreds,
        'SELECT item FROM orders ORDER BY id',
      ),
    ).toEqual([{ item: 'espresso' }, { item: 'flat white' }]);

    for (const id of [copy.id, created.body.id]) {
      await api('delete', `/instances/${id}?skipFinalBackup=true`);
      await until(
        `${id} to be deleted`,
        async () => (await api('get', `/instances/${id}`)).status,
        status => status === 404,
        { timeoutMs: 50_000, intervalMs: 250 },
      );
    }
  });
});
