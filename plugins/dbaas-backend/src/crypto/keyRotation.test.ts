import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import fs from 'fs';
import knexFactory, { Knex } from 'knex';
import path from 'path';
import { Client } from 'pg';
import request from 'supertest';
import { dbaasPlugin } from '../plugin';
import { makeDataDir, postgresFlavor } from '../__testUtils__/fixtures';
import {
  deleteAndWait,
  getCredentials,
  postInstance,
  waitForInstance,
} from '../__testUtils__/managerApi';
import { startTestManager } from '../testUtils';

jest.setTimeout(120_000);

const keyA = { id: 'key-a', secret: 'the first key, sixteen or more' };
const keyB = { id: 'key-b', secret: 'the second key, sixteen or more' };
const asAlice = `Bearer ${mockCredentials.user.token('user:default/alice')}`;

describe('encryption keys', () => {
  const savedNodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = savedNodeEnv;
  });

  it.each([
    ['NODE_ENV=production', 'production', 'better-sqlite3'],
    ['a PostgreSQL store', 'test', 'pg'],
  ])(
    'refuses to start without dbaas.encryption.keys in production (%s)',
    async (_case, nodeEnv, client) => {
      process.env.NODE_ENV = nodeEnv;
      const dataDir = makeDataDir('prod-keys');
      // never connected: the key check comes first
      const knex = knexFactory({
        client,
        connection:
          client === 'pg' ? 'postgresql://postgres@127.0.0.1:5432' : ':memory:',
        useNullAsDefault: true,
      });
      await expect(
        startTestBackend({
          features: [
            dbaasPlugin,
            mockServices.database.factory({ knex }),
            mockServices.rootConfig.factory({
              data: {
                dbaas: {
                  flavors: [postgresFlavor],
                  runtimes: { local: { dataDir } },
                },
              },
            }),
          ],
        }),
      ).rejects.toThrow(
        "Invalid app-config at 'dbaas.encryption.keys': required in production",
      );
      // and no development key was generated for it
      expect(fs.existsSync(path.join(dataDir, '.encryption-key'))).toBe(false);
      await knex.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  );

  it('rotates: sealed under A, B put first and reseal, A removed — credentials still readable', async () => {
    const dataDir = makeDataDir('key-rotation');
    const knex: Knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dataDir, 'store.sqlite') },
      useNullAsDefault: true,
    });
    const start = (keys: Array<{ id: string; secret: string }>) =>
      startTestManager({
        dataDir,
        dbaas: { encryption: { keys } },
        features: [mockServices.database.factory({ knex })],
      });

    const first = await start([keyA]);
    const created = await postInstance(first.server, asAlice, {
      name: 'rotated-db',
      owner: 'group:default/team-a',
      flavorId: postgresFlavor.id,
    });
    expect(created.status).toBe(202);
    const url = `/api/dbaas/instances/${created.body.id}`;
    await waitForInstance(
      first.server,
      asAlice,
      created.body.id,
      'running',
      i => i?.status === 'running',
      { intervalMs: 200 },
    );
    const before = (
      await getCredentials(first.server, asAlice, created.body.id)
    ).body;
    const sealedBefore = (await knex('dbaas_instances').first()).secrets;
    expect(sealedBefore.startsWith('v2:key-a:')).toBe(true);
    await first.stop();

    const second = await start([keyB, keyA]);
    const report = await request(second.server)
      .post('/api/dbaas/admin/reseal')
      .set('Authorization', asAlice);
    expect(report.body).toEqual({
      keyId: 'key-b',
      // the instance's secrets and the Manager's TLS CA
      resealed: 2,
      alreadyCurrent: 0,
      unreadable: [],
    });
    expect((await knex('dbaas_instances').first()).secrets).toMatch(
      /^v2:key-b:/,
    );
    await second.stop();

    const third = await start([keyB]);
    const after = await getCredentials(third.server, asAlice, created.body.id);
    expect(after.status).toBe(200);
    expect(after.body.password).toBe(before.password);
    const client = new Client({
      host: after.body.host,
      port: after.body.port,
      database: after.body.database,
      user: after.body.username,
      password: after.body.password,
    });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
    await third.stop();

    // a key that is gone: typed 503, and nothing is destroyed
    const wrong = await start([
      { id: 'key-c', secret: 'a third key, sixteen or more' },
    ]);
    const unreadable = await getCredentials(
      wrong.server,
      asAlice,
      created.body.id,
    );
    expect(unreadable.status).toBe(503);
    expect(unreadable.body.error.message).toContain(
      "SECRET_UNREADABLE: a stored secret cannot be opened (sealed with key id 'key-b', which is not configured; configured: key-c)",
    );
    expect(
      (await request(wrong.server).get(url).set('Authorization', asAlice)).body
        .status,
    ).toBe('running');
    expect(fs.existsSync(path.join(dataDir, created.body.id))).toBe(true);
    await wrong.stop();

    const last = await start([keyB]);
    await deleteAndWait(last.server, asAlice, created.body.id);
    expect(fs.existsSync(path.join(dataDir, created.body.id))).toBe(false);
    await last.stop();
    await knex.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
