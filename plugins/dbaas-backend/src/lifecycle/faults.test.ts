import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import knexFactory, { Knex } from 'knex';
import { SecretBox } from '../crypto/SecretBox';
import { InstanceStore, StoredInstance } from '../store/InstanceStore';
import {
  requestInstance,
  TEST_ENCRYPTION_KEY,
} from '../__testUtils__/fixtures';
import { TcpProxy } from '../__testUtils__/tcpProxy';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { LifecycleOptions } from './LifecycleController';
import { ScriptedRuntime } from './__testUtils__/scriptedRuntime';
import { testController } from './__testUtils__/testController';

jest.setTimeout(60_000);

const databases = createTestDatabases(['POSTGRES_15', 'SQLITE_3']);
const secretBox = new SecretBox(TEST_ENCRYPTION_KEY);

/** A controller on the scripted runtime, polling health every 20 ms. */
const controllerOn = (
  store: InstanceStore,
  scripted: ScriptedRuntime,
  options: Partial<LifecycleOptions> = {},
) =>
  testController(store, scripted.runtime(), {
    secretBox,
    healthPollMs: 20,
    ...options,
  });

async function sqliteStore() {
  const knex = await databases.init('SQLITE_3');
  return { knex, store: await InstanceStore.create(knex) };
}

const create = (store: InstanceStore, overrides = {}) =>
  requestInstance(
    store,
    { name: `db-${Math.random().toString(36).slice(2, 8)}`, ...overrides },
    secretBox,
  );

const faultCodes = async (store: InstanceStore, id: string) =>
  (await store.listEvents(id))
    .filter(e => e.type === 'fault')
    .map(e => e.message);

describe('the create path', () => {
  it.each([
    [true, 0],
    [false, 1],
  ])(
    'checks health after the deploy only when the engine does not answer on deploy (deployAnswers %s)',
    async (deployAnswers, healthChecks) => {
      const { store } = await sqliteStore();
      const scripted = new ScriptedRuntime();
      const { controller } = testController(
        store,
        scripted.runtime('local', { deployAnswers }),
        { secretBox, healthPollMs: 20 },
      );
      const { id } = await create(store);

      controller.kick(id);
      await controller.idle();

      expect(await store.getInstance(id)).toMatchObject({
        status: 'running',
        health: 'healthy',
      });
      expect(scripted.calls.health).toBe(healthChecks);
    },
  );
});

describe('the lifecycle under faults', () => {
  it('abandons a hung call at the step limit as a TIMEOUT fault, and removes what the create made', async () => {
    const { store } = await sqliteStore();
    const scripted = new ScriptedRuntime().next('deploy', 'hang');
    const { controller } = controllerOn(store, scripted, {
      stepTimeoutMs: 300,
    });
    const { id } = await create(store);

    controller.kick(id);
    await controller.idle();

    const failed = (await store.getInstance(id))!;
    expect(failed).toMatchObject({ status: 'failed', cleanupPending: false });
    expect(failed.fault).toMatchObject({
      phase: 'engine_deploying',
      code: 'TIMEOUT',
      message: 'deploying the server (local) did not finish within 0.3 s',
    });
    expect(scripted.hosts.size).toBe(0);
    scripted.releaseHung();
  });

  it("enforces the instance's deadline while a step runs", async () => {
    const { store } = await sqliteStore();
    const scripted = new ScriptedRuntime().next('deploy', 'hang');
    const { controller } = controllerOn(store, scripted);
    const { id } = await create(store, {
      deadlineAt: new Date(Date.now() + 700).toISOString(),
    });

    controller.kick(id);
    await controller.idle();

    expect((await store.getInstance(id))!.fault?.code).toBe(
      'PROVISION_TIMEOUT',
    );
    expect(scripted.hosts.size).toBe(0);
    scripted.releaseHung();
  });

  it('keeps a replica that was taken over from writing or removing anything', async () => {
    const { knex, store } = await sqliteStore();
    // replica 1's deploy hangs, then fails the way a create conflict with the winner does
    let answer: () => void = () => {};
    const scripted = new ScriptedRuntime().next('deploy', async () => {
      await new Promise<void>(resolve => (answer = resolve));
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        'Conflict: the container name is in use',
      );
    });
    const one = controllerOn(store, scripted, { leaseMs: 1500 }).controller;
    const two = controllerOn(store, scripted, {
      replicaId: 'replica-2',
    }).controller;
    const { id } = await create(store);
    one.kick(id);
    await until(
      'replica 1 to hang in deploy',
      async () => scripted.calls.deploy,
      n => n === 1,
    );

    // replica 1 stalls (its lease lapses); replica 2 takes over and finishes the create
    await knex('dbaas_instances').where({ id }).update({ lease_until_ms: 0 });
    two.kick(id);
    await two.idle();
    answer();
    await one.idle();

    const instance = (await store.getInstance(id))!;
    expect(instance).toMatchObject({ status: 'running', fault: null });
    expect(scripted.calls).toMatchObject({ deploy: 2, remove: 0, destroy: 0 });
    expect([...scripted.servers]).toEqual([id]);
    expect(await faultCodes(store, id)).toEqual([]);
  });

  it('resumes its own work at once after a restart with the same replica identity', async () => {
    const { store } = await sqliteStore();
    const scripted = new ScriptedRuntime();
    const { id } = await create(store);
    // the replica died holding a fresh lease
    await store.work.claim(id, 'replica-1', 60_000);

    const other = controllerOn(store, scripted, {
      replicaId: 'replica-2',
    }).controller;
    await other.resumePending();
    await other.idle();
    expect((await store.getInstance(id))!.status).toBe('provisioning');

    const restarted = controllerOn(store, scripted).controller;
    await restarted.resumePending();
    await restarted.idle();
    expect((await store.getInstance(id))!.status).toBe('running');
  });

  it('lists a failed create whose clean-up failed, counts it in the quota, and the janitor removes it with backoff', async () => {
    const { store } = await sqliteStore();
    const scripted = new ScriptedRuntime()
      .next(
        'deploy',
        new RuntimeFault('ENGINE_START_FAILED', 'the server exited'),
      )
      .next('destroy', new Error('the daemon does not answer'));
    const { controller } = controllerOn(store, scripted);
    const created = await create(store, { owner: 'group:default/leaky' });

    controller.kick(created.id);
    await controller.idle();

    const leaks = await store.work.listLeaks({ dueOnly: false });
    expect(leaks.map((l: StoredInstance) => [l.id, l.lastError])).toEqual([
      [created.id, 'the daemon does not answer'],
    ]);
    expect(await store.usage('group:default/leaky')).toEqual({
      instances: 1,
      storageGiB: created.storageGiB,
    });
    expect(scripted.hosts.has(created.id)).toBe(true);

    // not due before its backoff (1 s)
    await controller.cleanUpLeaks();
    await controller.idle();
    expect(scripted.calls.destroy).toBe(1);
    await until(
      'the clean-up to be due',
      () => store.work.listLeaks({ dueOnly: true }),
      due => due.length === 1,
    );
    await controller.cleanUpLeaks();
    await controller.idle();

    expect(scripted.hosts.size).toBe(0);
    expect(await store.work.listLeaks({ dueOnly: false })).toEqual([]);
    expect(await store.usage('group:default/leaky')).toEqual({
      instances: 0,
      storageGiB: 0,
    });
    expect(await faultCodes(store, created.id)).toEqual([
      'ENGINE_START_FAILED: the server exited',
      'cleanup failed, will retry: the daemon does not answer',
    ]);
  });

  it('retries a failing delete with backoff and one event per distinct error', async () => {
    const { store } = await sqliteStore();
    const down = new Error('the daemon does not answer');
    const scripted = new ScriptedRuntime().next('remove', down, down);
    const { controller } = controllerOn(store, scripted);
    const { id } = await create(store);
    controller.kick(id);
    await controller.idle();
    await store.updateInstance(id, {
      status: 'deleting',
      phase: 'engine_removing',
    });

    const deleted = await until(
      'the delete to get through',
      async () => {
        await controller.resumePending();
        await controller.idle();
        return (await store.getInstance(id))!;
      },
      i => i.status === 'deleted',
    );

    expect(deleted.retryAttempts).toBe(0);
    expect(scripted.calls.remove).toBe(3);
    expect(scripted.hosts.size).toBe(0);
    expect(await faultCodes(store, id)).toEqual([
      'deleting failed, will retry: the daemon does not answer',
    ]);
  });
});

describe('the lifecycle when its store goes away', () => {
  let proxy: TcpProxy | undefined;
  let proxied: Knex | undefined;
  afterEach(async () => {
    await proxied?.destroy();
    await proxy?.stop();
  });

  it('pauses a step while the store is unreachable and never destroys the host for it', async () => {
    const direct = await databases.init('POSTGRES_15');
    await InstanceStore.create(direct);
    const { connection } = direct.client.config;
    const target = new URL(
      process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING!,
    );
    proxy = await TcpProxy.start({
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    proxied = knexFactory({
      client: 'pg',
      connection: { ...connection, host: '127.0.0.1', port: proxy.port },
      pool: { min: 0, max: 4 },
    });
    const store = await InstanceStore.create(proxied, { skipMigrations: true });
    // the store goes away for 3 s while the server is being deployed
    const scripted = new ScriptedRuntime().next('deploy', async () => {
      proxy!.cut(3000);
    });
    const { controller, logger } = controllerOn(store, scripted);
    const { id } = await create(store);

    controller.kick(id);
    await controller.idle();

    expect((await store.getInstance(id))!).toMatchObject({
      status: 'running',
      fault: null,
    });
    expect(scripted.calls.destroy).toBe(0);
    expect(scripted.hosts.size).toBe(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        `Work on instance ${id} paused: the store failed`,
      ),
    );
  });
});
