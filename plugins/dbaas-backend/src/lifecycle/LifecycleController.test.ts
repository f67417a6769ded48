import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { spawn } from 'child_process';
import fs from 'fs';
import net from 'net';
import path from 'path';
import { Client } from 'pg';
import { SecretBox } from '../crypto/SecretBox';
import { createLocalRuntime } from '../runtimes/local';
import { isAlive } from '../runtimes/local/processes';
import { InstanceStore } from '../store/InstanceStore';
import {
  makeDataDir,
  requestInstance,
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from '../__testUtils__/fixtures';
import { InstanceNotifier } from './InstanceNotifier';
import { testController } from './__testUtils__/testController';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });
const flavor = postgresFlavor;
const key = TEST_ENCRYPTION_KEY;
const leaseMs = 2000;
/** A deadline `ms` from now. */
const dueIn = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('LifecycleController', () => {
  it('converges with no duplicate after its replica is killed mid-provisioning', async () => {
    const knex = await databases.init('POSTGRES_15');
    const store = await InstanceStore.create(knex);
    const dataDir = makeDataDir('engine-test');
    const secretBox = new SecretBox(key);
    const instance = await requestInstance(
      store,
      { name: 'crash-db', deadlineAt: dueIn(120_000) },
      secretBox,
    );

    // replica 1, in its own process, dies right after it started the server
    const child = spawn(
      process.execPath,
      [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        resolvePackagePath(
          '@dbaas/plugin-dbaas-backend',
          'src/lifecycle/__testUtils__/crashingController.ts',
        ),
      ],
      {
        env: {
          ...process.env,
          CRASHING_ENGINE: JSON.stringify({
            connection: knex.client.config.connection,
            dataDir,
            key,
            leaseMs,
            flavors: [flavor],
            instanceId: instance.id,
          }),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', chunk => {
        const match = String(chunk).match(/DEPLOYED (\d+)/);
        if (match) resolve(Number(match[1]));
      });
      child.on('exit', code =>
        reject(new Error(`replica 1 exited early with ${code}`)),
      );
    });
    child.kill('SIGKILL');
    await new Promise(resolve => child.once('exit', resolve));

    const stranded = (await store.getInstance(instance.id))!;
    expect(stranded).toMatchObject({
      status: 'provisioning',
      phase: 'engine_deploying',
    });
    const pidFile = path.join(dataDir, instance.id, 'pgdata', 'postmaster.pid');
    const serverPid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect(isAlive(serverPid)).toBe(true);

    // replica 2 sees nothing to do while replica 1's lease lives, then takes over
    const { controller } = testController(
      store,
      createLocalRuntime({ dataDir, host: '127.0.0.1' }),
      { secretBox, replicaId: 'replica-2', leaseMs },
    );
    expect(await store.work.listPending()).not.toContain(instance.id);
    await new Promise(resolve => setTimeout(resolve, leaseMs + 200));
    await controller.resumePending();
    await controller.idle();

    const running = (await store.getInstance(instance.id))!;
    expect(running).toMatchObject({
      status: 'running',
      health: 'healthy',
      phase: null,
    });
    expect(running.endpoint?.port).toBe(port);
    // the server replica 1 started was adopted, not started twice
    expect(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])).toBe(
      serverPid,
    );
    expect(fs.readdirSync(dataDir).filter(f => !f.startsWith('.'))).toEqual([
      instance.id,
    ]);

    const { password } = secretBox.open<{ password: string }>(
      running.sealedSecrets,
    );
    const client = new Client({ ...running.endpoint!, password });
    await client.connect();
    await client.query('CREATE TABLE kept (id INT)');
    await client.query('INSERT INTO kept VALUES (1)');
    expect(
      (await client.query('SELECT count(*)::int AS n FROM kept')).rows,
    ).toEqual([{ n: 1 }]);
    await client.end();

    await store.updateInstance(instance.id, {
      status: 'deleting',
      phase: 'engine_removing',
    });
    controller.kick(instance.id);
    await controller.idle();
    expect((await store.getInstance(instance.id))!.status).toBe('deleted');
    expect(isAlive(serverPid)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, instance.id))).toBe(false);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('LifecycleController on the local runtime', () => {
  const sqlite = TestDatabases.create({ ids: ['SQLITE_3'] });

  async function setUp() {
    const store = await InstanceStore.create(await sqlite.init('SQLITE_3'));
    const dataDir = makeDataDir('engine-life');
    const notifications = { send: jest.fn(async () => {}) };
    const notifier = new InstanceNotifier({
      logger: mockServices.logger.mock(),
      notifications,
    });
    const secretBox = new SecretBox(key);
    const { controller } = testController(
      store,
      createLocalRuntime({ dataDir, host: '127.0.0.1' }),
      { secretBox, notifier },
    );
    return { store, dataDir, controller, notifier, notifications, secretBox };
  }

  it('notifies the owner when ready, and notices a server that stops answering', async () => {
    const { store, dataDir, controller, notifications, secretBox } =
      await setUp();
    const { id } = await requestInstance(
      store,
      { name: 'dies-db', deadlineAt: dueIn(60_000) },
      secretBox,
    );
    controller.kick(id);
    await controller.idle();
    expect((await store.getInstance(id))!.status).toBe('running');
    expect(notifications.send).toHaveBeenCalledWith({
      recipients: { type: 'entity', entityRef: 'group:default/team-a' },
      payload: expect.objectContaining({
        title: 'Database dies-db is ready',
        link: `/dbaas/instances/${id}`,
        severity: 'normal',
      }),
    });

    // the process runs but answers nothing (a server that is down is started again: recovery.test.ts)
    const pidFile = path.join(dataDir, id, 'pgdata', 'postmaster.pid');
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGSTOP');
    try {
      await controller.reconcile();
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    const hung = (await store.getInstance(id))!;
    expect(hung).toMatchObject({ status: 'running', health: 'unhealthy' });
    const events = await store.listEvents(id);
    expect(events.at(-1)).toMatchObject({
      type: 'health',
      message: expect.stringMatching(
        /^health healthy → unhealthy: PostgreSQL does not answer: /,
      ),
    });

    await store.updateInstance(id, {
      status: 'deleting',
      phase: 'engine_removing',
    });
    controller.kick(id);
    await controller.idle();
    expect(fs.existsSync(path.join(dataDir, id))).toBe(false);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails with a typed fault, removes what it made and notifies the owner, when the engine cannot start', async () => {
    const { store, dataDir, controller, notifications, secretBox } =
      await setUp();
    const { id } = await requestInstance(
      store,
      { name: 'blocked-db', deadlineAt: dueIn(60_000), holdAtHost: true },
      secretBox,
    );
    controller.kick(id);
    await controller.idle();
    const held = (await store.getInstance(id))!;
    expect(held.phase).toBe('host_ready');

    // someone else takes the instance's port before the engine starts
    const squatter = net.createServer();
    await new Promise<void>(resolve =>
      squatter.listen(Number(held.hostRef!.data.port), '127.0.0.1', resolve),
    );
    try {
      await store.updateInstance(id, { holdAtHost: false });
      controller.kick(id);
      await controller.idle();
    } finally {
      squatter.close();
    }

    const failed = (await store.getInstance(id))!;
    expect(failed).toMatchObject({
      status: 'failed',
      fault: { phase: 'engine_deploying', code: 'ENGINE_START_FAILED' },
    });
    expect(failed.fault!.message).toMatch(
      /^PostgreSQL did not start on port \d+/,
    );
    expect(fs.existsSync(path.join(dataDir, id))).toBe(false);
    expect(notifications.send).toHaveBeenCalledWith(
      expect.objectContaining({
        payload: expect.objectContaining({
          title: 'Database blocked-db failed',
          severity: 'high',
        }),
      }),
    );
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs again for a change that lands while it is finishing other work', async () => {
    const { store, dataDir, controller, notifier, secretBox } = await setUp();
    let release!: () => void;
    const held = new Promise<void>(resolve => (release = resolve));
    let readyCalled!: () => void;
    const readyReached = new Promise<void>(resolve => (readyCalled = resolve));
    // the owner's notification is slow: the work is still active after the instance is running
    notifier.ready = async () => {
      readyCalled();
      await held;
    };
    const { id } = await requestInstance(
      store,
      { name: 'kick-db', deadlineAt: dueIn(60_000) },
      secretBox,
    );

    controller.kick(id);
    await readyReached;
    await store.updateInstance(id, {
      status: 'deleting',
      phase: 'engine_removing',
    });
    controller.kick(id); // while the first work is still active
    release();
    await controller.idle();

    expect((await store.getInstance(id))!.status).toBe('deleted');
    expect(fs.existsSync(path.join(dataDir, id))).toBe(false);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
