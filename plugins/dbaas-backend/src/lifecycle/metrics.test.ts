import {
  Credentials,
  Instance,
  MetricsSample,
} from '@dbaas/plugin-dbaas-common';
import {
  mariadbFlavor,
  postgresFlavor,
  until,
} from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import request from 'supertest';
import { appSql } from '../__testUtils__/appSql';
import { makeDataDir } from '../__testUtils__/fixtures';
import { as, deleteAll, getCredentials } from '../__testUtils__/managerApi';
import { startTestManager, TestManager } from '../testUtils';
import { intervalSchedulerFactory } from './__testUtils__/intervalScheduler';

jest.setTimeout(180_000);

const asAlice = as('alice');

describe('metrics of running databases', () => {
  let manager: TestManager;
  let dataDir: string;
  const api = (method: 'get' | 'post' | 'delete', url: string) =>
    request(manager.server)
      [method](`/api/dbaas${url}`)
      .set('Authorization', asAlice);

  beforeAll(async () => {
    dataDir = makeDataDir('metrics');
    manager = await startTestManager({
      dataDir,
      // the scheduled tasks run (the mock scheduler runs none): the reconcile every second
      features: [intervalSchedulerFactory(0.2)],
      dbaas: {
        flavors: [postgresFlavor, mariadbFlavor],
        reconcile: { intervalSeconds: 5 },
      },
    });
  });

  afterAll(async () => {
    await deleteAll(manager.server, 'alice');
    await manager.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['postgresql', postgresFlavor.id],
    ['mariadb', mariadbFlavor.id],
  ] as const)(
    'samples %s as the health reconcile runs: size, connections, transactions per second, uptime',
    async (engine, flavorId) => {
      const created = await api('post', '/instances').send({
        name: `metrics-${engine.slice(0, 5)}`,
        owner: 'team-a',
        flavorId,
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      await until(
        'the database to run',
        async () => (await api('get', `/instances/${id}`)).body as Instance,
        i => i.status === 'running',
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const creds: Credentials = (
        await getCredentials(manager.server, asAlice, id)
      ).body;
      await appSql(engine, creds, 'CREATE TABLE t (v TEXT)');
      for (let i = 0; i < 20; i++) {
        await appSql(engine, creds, `INSERT INTO t VALUES ('row ${i}')`);
      }

      const samples = await until(
        'two samples',
        async () =>
          (
            await api('get', `/instances/${id}/metrics?hours=1`)
          ).body.items as MetricsSample[],
        items => items.length >= 2,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      const [first, second] = samples;
      expect(first.transactionsPerSecond).toBeNull();
      expect(second.transactionsPerSecond).toEqual(expect.any(Number));
      expect(second.transactionsPerSecond).toBeGreaterThanOrEqual(0);
      expect(second.sizeBytes).toBeGreaterThan(0);
      expect(second.uptimeSeconds).toBeGreaterThan(0);
      expect(second.connections).toBeGreaterThanOrEqual(1);
      expect(Date.parse(second.at)).toBeGreaterThan(Date.parse(first.at));
      // nothing has failed: no last error
      expect(
        (await api('get', `/instances/${id}/metrics?hours=1`)).body.lastError,
      ).toBeNull();
    },
  );
});
