import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import { EngineSecrets, mysqlSsl, postgresSsl } from '@dbaas/plugin-dbaas-node';
import { spawn } from 'child_process';
import fs from 'fs';
import mysql from 'mysql2/promise';
import net from 'net';
import path from 'path';
import { Client } from 'pg';
import { SecretBox } from '../crypto/SecretBox';
import { createLocalRuntime } from '../runtimes/local';
import { isAlive } from '../runtimes/local/processes';
import { InstanceStore, StoredInstance } from '../store/InstanceStore';
import { SettingsStore } from '../store/SettingsStore';
import { InstanceCertificates } from '../tls/InstanceCertificates';
import {
  makeDataDir,
  mariadbFlavor,
  requestInstance,
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from '../__testUtils__/fixtures';
import { InstanceNotifier } from './InstanceNotifier';
import { testController } from './__testUtils__/testController';

jest.setTimeout(180_000);

const secretBox = new SecretBox(TEST_ENCRYPTION_KEY);
const flavors = [postgresFlavor, mariadbFlavor];

/** The server's pid file, as the local runtime keeps it. */
function pidFile(instance: StoredInstance) {
  const dir = String(instance.hostRef!.data.dir);
  return instance.engine === 'postgresql'
    ? path.join(dir, 'pgdata', 'postmaster.pid')
    : path.join(dir, 'mariadb.pid');
}

function serverPid(instance: StoredInstance) {
  return Number(fs.readFileSync(pidFile(instance), 'utf8').split('\n')[0]);
}

/**
 * What a host restart leaves: every process of the server gone at once (SIGKILL to its
 * process group), and a pid file naming a pid that, after the restart, is another program's
 * of the same user (which PostgreSQL takes for a server still running).
 */
async function killLikeAReboot(instance: StoredInstance) {
  const pid = serverPid(instance);
  const [uid, gid] = ['Uid', 'Gid'].map(field =>
    Number(
      fs
        .readFileSync(`/proc/${pid}/status`, 'utf8')
        .match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'))![1],
    ),
  );
  process.kill(-pid, 'SIGKILL');
  for (let i = 0; i < 100 && isAlive(pid); i++) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  expect(isAlive(pid)).toBe(false);
  const other = spawn('sleep', ['600'], { stdio: 'ignore', uid, gid });
  const [, ...rest] = fs.readFileSync(pidFile(instance), 'utf8').split('\n');
  fs.writeFileSync(pidFile(instance), [other.pid, ...rest].join('\n'));
  return () => {
    other.kill('SIGKILL');
  };
}

async function query(instance: StoredInstance, sql: string) {
  const { password, tls } = secretBox.open<EngineSecrets>(
    instance.sealedSecrets,
  );
  const endpoint = instance.endpoint!;
  if (instance.engine === 'postgresql') {
    const client = new Client({ ...endpoint, password, ssl: postgresSsl(tls) });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const conn = await mysql.createConnection({
    ...endpoint,
    password,
    ssl: mysqlSsl(tls, endpoint.host),
  });
  try {
    return (await conn.query(sql))[0];
  } finally {
    await conn.end();
  }
}

describe('recovery on the local runtime', () => {
  const sqlite = TestDatabases.create({ ids: ['SQLITE_3'] });
  const cleanUps: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) {
      await Promise.resolve(cleanUp()).catch(() => {});
    }
  });

  /** A backend's lifecycle on a runtime of its own, as after a restart. */
  function backend(
    store: InstanceStore,
    settings: SettingsStore,
    dataDir: string,
  ) {
    const notifications = { send: jest.fn(async () => {}) };
    const notifier = new InstanceNotifier({
      logger: mockServices.logger.mock(),
      notifications,
    });
    const statuses: string[] = [];
    const changed = notifier.changed.bind(notifier);
    notifier.changed = async instance => {
      statuses.push(instance.status);
      await changed(instance);
    };
    const { controller } = testController(
      store,
      createLocalRuntime({ dataDir, host: '127.0.0.1' }),
      {
        flavors,
        secretBox,
        notifier,
        certificates: new InstanceCertificates({ settings, secretBox }),
      },
    );
    cleanUps.push(() => controller.stop());
    return { controller, statuses, notifications };
  }

  async function runningInstance(flavor: Flavor) {
    const knex = await sqlite.init('SQLITE_3');
    const store = await InstanceStore.create(knex);
    const settings = new SettingsStore(knex);
    const dataDir = makeDataDir('recovery');
    cleanUps.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const { id } = await requestInstance(
      store,
      {
        name: `${flavor.engine}-kept`,
        flavorId: flavor.id,
        engine: flavor.engine,
        version: flavor.version,
        deadlineAt: new Date(Date.now() + 120_000).toISOString(),
      },
      secretBox,
    );
    const first = backend(store, settings, dataDir);
    first.controller.kick(id);
    await first.controller.idle();
    const running = (await store.getInstance(id))!;
    expect(running).toMatchObject({ status: 'running', health: 'healthy' });
    // removes what the test made, whatever state it ends in
    cleanUps.push(async () => {
      const last = (await store.getInstance(id))!;
      if (last.status === 'deleted') return;
      await store.updateInstance(id, {
        status: 'deleting',
        phase: 'engine_removing',
      });
      const cleaner = backend(store, settings, dataDir);
      cleaner.controller.kick(id);
      await cleaner.controller.idle();
      expect((await store.getInstance(id))!.status).toBe('deleted');
      expect(fs.existsSync(path.join(dataDir, id))).toBe(false);
    });
    return { store, settings, dataDir, running };
  }

  it.each([
    ['PostgreSQL', postgresFlavor],
    ['MariaDB', mariadbFlavor],
  ] as const)(
    'starts a %s server a host restart left down again at start-up: recovering, then running on the same port with the same data',
    async (name, flavor) => {
      const { store, settings, dataDir, running } = await runningInstance(
        flavor,
      );
      await query(running, 'CREATE TABLE kept (id INT, item VARCHAR(20))');
      await query(running, "INSERT INTO kept VALUES (1, 'coffee')");
      const oldPid = serverPid(running);
      cleanUps.push(await killLikeAReboot(running));

      // the backend starts again: its start-up hook reconciles
      const restarted = backend(store, settings, dataDir);
      await restarted.controller.reconcile();
      await restarted.controller.idle();

      const recovered = (await store.getInstance(running.id))!;
      expect(recovered).toMatchObject({
        status: 'running',
        health: 'healthy',
        endpoint: running.endpoint,
        fault: null,
      });
      expect(restarted.statuses).toEqual(['recovering', 'running']);
      const events = (await store.listEvents(running.id)).slice(-2);
      expect(events.map(e => [e.type, e.message])).toEqual([
        [
          'status',
          `recovering: the ${name} server process is not running; starting it again`,
        ],
        [
          'status',
          `recovered: ${flavor.engine} started again on 127.0.0.1:${
            running.endpoint!.port
          } with its data; running`,
        ],
      ]);
      expect(serverPid(recovered)).not.toBe(oldPid);
      expect(isAlive(serverPid(recovered))).toBe(true);
      expect(
        await query(recovered, 'SELECT item FROM kept WHERE id = 1'),
      ).toEqual([{ item: 'coffee' }]);
      // nobody was told the database failed
      expect(restarted.notifications.send).not.toHaveBeenCalled();
    },
  );

  it('notices a server that died in the health reconcile and starts it again', async () => {
    const { store, settings, dataDir, running } = await runningInstance(
      postgresFlavor,
    );
    const { controller, statuses } = backend(store, settings, dataDir);
    await controller.reconcile(); // healthy: nothing to do
    expect(statuses).toEqual([]);

    process.kill(serverPid(running), 'SIGKILL');
    await new Promise(resolve => setTimeout(resolve, 300));
    await controller.reconcile();
    await controller.idle();

    expect(statuses).toEqual(['recovering', 'running']);
    expect((await store.getInstance(running.id))!).toMatchObject({
      status: 'running',
      health: 'healthy',
      endpoint: running.endpoint,
    });
    expect(await query(running, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('resumes a recovery that a backend stopped in the middle of', async () => {
    const { store, settings, dataDir, running } = await runningInstance(
      postgresFlavor,
    );
    cleanUps.push(await killLikeAReboot(running));
    // the backend that marked it died before it started the server
    await store.updateInstance(running.id, {
      status: 'recovering',
      health: 'unhealthy',
    });

    const { controller, statuses } = backend(store, settings, dataDir);
    await controller.resumePending();
    await controller.idle();

    expect(statuses).toEqual(['running']);
    expect((await store.getInstance(running.id))!).toMatchObject({
      status: 'running',
      health: 'healthy',
    });
    expect(await query(running, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('fails with a typed fault, keeping the data, when the server cannot start again', async () => {
    const { store, settings, dataDir, running } = await runningInstance(
      postgresFlavor,
    );
    cleanUps.push(await killLikeAReboot(running));
    // after the restart, another program took the server's port
    const squatter = net.createServer();
    await new Promise<void>(resolve =>
      squatter.listen(running.endpoint!.port, '127.0.0.1', resolve),
    );
    cleanUps.push(() => new Promise<void>(r => squatter.close(() => r())));

    const { controller, statuses, notifications } = backend(
      store,
      settings,
      dataDir,
    );
    await controller.reconcile();
    await controller.idle();

    const failed = (await store.getInstance(running.id))!;
    expect(statuses).toEqual(['recovering', 'failed']);
    expect(failed).toMatchObject({
      status: 'failed',
      health: 'unhealthy',
      cleanupPending: false,
      fault: { phase: null, code: 'ENGINE_START_FAILED' },
    });
    expect(failed.fault!.message).toMatch(
      new RegExp(`^PostgreSQL did not start on port ${running.endpoint!.port}`),
    );
    expect((await store.listEvents(running.id)).at(-1)).toMatchObject({
      type: 'fault',
      message: expect.stringMatching(
        /^ENGINE_START_FAILED: recovering failed: .* \(the data is kept\)$/,
      ),
    });
    expect(
      fs.existsSync(path.join(dataDir, running.id, 'pgdata', 'PG_VERSION')),
    ).toBe(true);
    expect(notifications.send).toHaveBeenCalledWith(
      expect.objectContaining({
        payload: expect.objectContaining({
          title: `Database ${running.name} failed`,
          severity: 'high',
        }),
      }),
    );
    // the janitor leaves it alone: nothing to clean up
    expect(await store.work.listLeaks({ dueOnly: false })).toEqual([]);
  });
});
