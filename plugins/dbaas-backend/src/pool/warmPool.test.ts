import { Engine } from '@dbaas/plugin-dbaas-common';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { appSql } from '../__testUtils__/appSql';
import {
  dockerFlavor,
  mariadbFlavor,
  postgresFlavor,
} from '../__testUtils__/fixtures';
import Docker from 'dockerode';
import { containerName, LABEL_INSTANCE } from '@dbaas/plugin-dbaas-node';
import { execFileSync } from 'child_process';
import {
  as,
  deleteAndWait,
  getCredentials,
  postInstance,
  Server,
  waitForInstance,
} from '../__testUtils__/managerApi';
import { startTestManager, TestManager } from '../testUtils';
import { POOL_DATABASE, POOL_USER } from './poolAdoption';
import { WarmPool } from './WarmPool';
import { RuntimeRegistry } from '../runtimes';
import { mockServices } from '@backstage/backend-test-utils';

jest.setTimeout(120_000);

const asAlice = as('alice');
const pooledFlavor = { ...postgresFlavor, warmPool: { size: 1 } };
const pooledMariadb = {
  ...mariadbFlavor,
  id: 'mariadb-local-pooled',
  warmPool: { size: 1 },
};

const poolOf = async (server: Server) =>
  (
    await request(server)
      .get('/api/dbaas/admin/warm-pool')
      .set('Authorization', asAlice)
  ).body as {
    paused: boolean;
    items: Array<{ id: string; status: string; flavorId: string }>;
  };

const readyMember = async (server: Server, not?: string, flavorId?: string) => {
  const ready = await until(
    'a ready warm pool member',
    async () =>
      (
        await poolOf(server)
      ).items.find(
        m =>
          m.status === 'ready' &&
          m.id !== not &&
          (!flavorId || m.flavorId === flavorId),
      ),
    found => Boolean(found),
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return ready!.id;
};

/** Pauses the pool, waits until its servers are gone (nothing is left running), stops. */
async function emptyAndStop(manager: TestManager) {
  await request(manager.server)
    .put('/api/dbaas/admin/warm-pool')
    .set('Authorization', asAlice)
    .send({ paused: true });
  // a member that was warming when the pool paused is removed once started
  await until(
    'an empty warm pool',
    async () => (await poolOf(manager.server)).items,
    items => items.length === 0,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  await manager.stop();
  fs.rmSync(manager.dataDir, { recursive: true, force: true });
}

/**
 * Creates `name` of `flavor` as alice and waits until it runs: its id, the instance, and SQL
 * run as its application user with the credentials the Manager hands out (TLS verified).
 */
async function createRunning(
  server: Server,
  flavor: { id: string; engine: Engine },
  name: string,
) {
  const created = await postInstance(server, asAlice, {
    name,
    owner: 'group:default/team-a',
    flavorId: flavor.id,
  });
  expect(created.status).toBe(202);
  const id: string = created.body.id;
  const running = await waitForInstance(
    server,
    asAlice,
    id,
    'running',
    i => i?.status === 'running',
  );
  const { body: credentials } = await getCredentials(server, asAlice, id);
  return {
    id,
    running: running!,
    sql: (text: string) => appSql(flavor.engine, credentials, text),
  };
}

/** Makes a table with one row and reads it back. */
async function keptRow(sql: (text: string) => Promise<any[]>) {
  await sql('CREATE TABLE orders (id int PRIMARY KEY)');
  await sql('INSERT INTO orders VALUES (7)');
  return sql('SELECT id FROM orders');
}

describe('the warm pool on the local runtime', () => {
  let manager: TestManager;

  beforeAll(async () => {
    manager = await startTestManager({
      dbaas: { flavors: [pooledFlavor, pooledMariadb] },
    });
  });

  afterAll(async () => {
    await emptyAndStop(manager);
  });

  it('hands a started server to a create, with the owner database and fresh credentials, then refills', async () => {
    const { server } = manager;
    const memberId = await readyMember(server, undefined, pooledFlavor.id);

    const { id, running, sql } = await createRunning(
      server,
      pooledFlavor,
      'pooled-db',
    );
    // the instance takes the member's server (and id)
    expect(id).toBe(memberId);
    expect(running.endpoint).toMatchObject({
      database: 'pooled_db',
      user: 'pooled_db_app',
    });
    // over TLS verified against the CA in the credentials: the pool server's certificate
    expect(await keptRow(sql)).toEqual([{ id: 7 }]);
    // the placeholders are gone: nothing of the pool survives in the owner's server
    expect(
      await sql(`SELECT rolname FROM pg_roles WHERE rolname = '${POOL_USER}'`),
    ).toEqual([]);
    expect(
      await sql(
        `SELECT datname FROM pg_database WHERE datname = '${POOL_DATABASE}'`,
      ),
    ).toEqual([]);
    const events = await request(server)
      .get(`/api/dbaas/instances/${memberId}/events`)
      .set('Authorization', asAlice);
    expect(JSON.stringify(events.body)).toContain('warm pool');

    // the pool starts another member in the background
    const next = await readyMember(server, memberId, pooledFlavor.id);
    expect(next).not.toBe(memberId);
    expect((await poolOf(server)).items.map(m => m.id)).not.toContain(memberId);

    await deleteAndWait(server, asAlice, memberId);

    // a member whose server stopped while it waited is started when claimed
    const pidFile = path.join(
      manager.dataDir,
      next,
      'pgdata',
      'postmaster.pid',
    );
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT');
    await until(
      'the member server to stop',
      async () => fs.existsSync(pidFile),
      exists => !exists,
      { timeoutMs: 30_000 },
    );
    const revived = await createRunning(
      server,
      pooledFlavor,
      'pooled-revived-db',
    );
    expect(revived.id).toBe(next);
    expect(await revived.sql('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await deleteAndWait(server, asAlice, next);
  });

  it('MariaDB: a create takes the started server and keeps a row with its own credentials', async () => {
    const { server } = manager;
    const memberId = await readyMember(server, undefined, pooledMariadb.id);
    const { id, sql } = await createRunning(
      server,
      pooledMariadb,
      'pooled-maria',
    );
    expect(id).toBe(memberId);
    expect(await keptRow(sql)).toEqual([{ id: 7 }]);
    // the placeholder database is gone (the application user may see only its own)
    expect(
      await sql(
        `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${POOL_DATABASE}'`,
      ),
    ).toEqual([]);
    await deleteAndWait(server, asAlice, memberId);
  });

  it('takes the cold path for a size other than the default, and while paused', async () => {
    const { server } = manager;
    await readyMember(server, undefined, pooledFlavor.id);
    const bigger = await postInstance(server, asAlice, {
      name: 'cold-size-db',
      owner: 'group:default/team-a',
      flavorId: pooledFlavor.id,
      storageGiB: pooledFlavor.storageGiB.default + 1,
    });
    expect(bigger.status).toBe(202);
    const pool = await poolOf(server);
    expect(pool.items.map(m => m.id)).not.toContain(bigger.body.id);

    const paused = await request(server)
      .put('/api/dbaas/admin/warm-pool')
      .set('Authorization', asAlice)
      .send({ paused: true });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    // a member a running round was starting goes once started
    await until(
      'an empty warm pool',
      async () => (await poolOf(server)).items,
      items => items.length === 0,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const cold = await postInstance(server, asAlice, {
      name: 'cold-paused-db',
      owner: 'group:default/team-a',
      flavorId: pooledFlavor.id,
    });
    expect(cold.status).toBe(202);
    expect(cold.body.phase).toBe('requested');

    const bad = await request(server)
      .put('/api/dbaas/admin/warm-pool')
      .set('Authorization', asAlice)
      .send({ paused: 'yes' });
    expect(bad.status).toBe(400);

    for (const id of [bigger.body.id, cold.body.id]) {
      await waitForInstance(
        server,
        asAlice,
        id,
        'running',
        i => i?.status === 'running',
      );
      await deleteAndWait(server, asAlice, id);
    }
    // resumed, it fills again
    await request(server)
      .put('/api/dbaas/admin/warm-pool')
      .set('Authorization', asAlice)
      .send({ paused: false });
  });
});

describe('the warm pool on the Docker runtime', () => {
  let manager: TestManager;
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const sized = { memoryMiB: 512, storageGiB: { min: 1, max: 10, default: 1 } };
  const postgres = {
    ...dockerFlavor,
    ...sized,
    id: 'pg-docker-pooled',
    warmPool: { size: 1 },
  };
  const mariadb = {
    ...mariadbFlavor,
    ...sized,
    id: 'mariadb-docker-pooled',
    warmPool: { size: 1, runtimes: ['docker'] },
  };

  beforeAll(async () => {
    await docker.getImage(postgres.image).inspect(); // images/build.sh
    await docker.getImage(mariadb.image).inspect();
    manager = await startTestManager({
      dbaas: {
        defaultRuntime: 'docker',
        flavors: [postgres, mariadb],
        runtimes: {
          docker: {
            hosts: [
              {
                name: 'local-docker',
                url: 'unix:///var/run/docker.sock',
                publishAddress: '127.0.0.1',
              },
            ],
          },
        },
      },
    });
  });

  afterAll(async () => {
    await emptyAndStop(manager);
  });

  it.each([
    ['postgresql', postgres],
    ['mariadb', mariadb],
  ] as const)(
    '%s: a create takes the started container and keeps a row with its own credentials',
    async (engine, flavor) => {
      const { server } = manager;
      const memberId = await readyMember(server, undefined, flavor.id);
      const { id, sql } = await createRunning(
        server,
        flavor,
        `pooled-${engine}`,
      );
      expect(id).toBe(memberId);
      expect(await keptRow(sql)).toEqual([{ id: 7 }]);
      // the placeholder user is gone, as the server's administrator sees it
      const asAdmin = {
        postgresql: `PGPASSWORD="$(cat "$DBAAS_ADMIN_PASSWORD_FILE")" psql -XAtq -h /run/postgresql -U postgres -d template1 -c "SELECT rolname FROM pg_roles WHERE rolname = '${POOL_USER}'"`,
        mariadb: `MYSQL_PWD="$(cat "$DBAAS_ADMIN_PASSWORD_FILE")" mariadb -uroot -N -e "SELECT User FROM mysql.user WHERE User = '${POOL_USER}'"`,
      }[engine];
      expect(
        execFileSync('docker', [
          'exec',
          containerName(memberId),
          'bash',
          '-c',
          asAdmin,
        ]).toString(),
      ).toBe('');
      // the container is the instance's: found by the instance's id, as any other
      const [container] = await docker.listContainers({
        filters: { label: [`${LABEL_INSTANCE}=${memberId}`] },
      });
      expect(container.State).toBe('running');
      await deleteAndWait(server, asAlice, memberId);
    },
  );
});

describe('a warm pool configured where it cannot pool', () => {
  it('names each flavor and runtime that will take the cold path, and why', () => {
    const runtimes = new RuntimeRegistry();
    const notPoolable = {
      name: 'kubernetes',
      host: {} as any,
      engine: { admin: {} } as any,
      unsupportedReason: () => undefined,
    };
    runtimes.add(notPoolable);
    runtimes.add({ ...notPoolable, name: 'local', poolable: true });
    const pool = new WarmPool({
      flavors: [
        {
          ...postgresFlavor,
          warmPool: { size: 1, runtimes: ['kubernetes', 'nomad', 'local'] },
        },
      ],
      defaultRuntime: 'local',
      maxInstances: 10,
      runtimes,
      members: {} as any,
      instances: {} as any,
      secretBox: {} as any,
      logger: mockServices.logger.mock(),
      stepTimeoutMs: 1000,
    });
    expect(pool.problems()).toEqual([
      `dbaas.flavors[${postgresFlavor.id}].warmPool.runtimes: the kubernetes runtime cannot hand a started server to another owner (pools: local); creates on kubernetes take the cold path`,
      `dbaas.flavors[${postgresFlavor.id}].warmPool.runtimes: no runtime 'nomad' is configured; creates on nomad take the cold path`,
    ]);
    expect(pool.targets().map(t => t.runtime.name)).toEqual(['local']);
  });
});
