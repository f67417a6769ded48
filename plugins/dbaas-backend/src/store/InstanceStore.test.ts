import knexFactory from 'knex';
import { newInstance, REQUESTED } from '../__testUtils__/fixtures';
import { InstanceStore, LeaseLostError } from './InstanceStore';
import { createTestDatabases } from '../__testUtils__/testDatabases';

jest.setTimeout(60_000);

const databases = createTestDatabases(['POSTGRES_15', 'SQLITE_3']);

const requested = REQUESTED;

describe.each(databases.eachSupportedId())(
  'InstanceStore on %p',
  databaseId => {
    let store: InstanceStore;

    beforeAll(async () => {
      store = await InstanceStore.create(await databases.init(databaseId));
    });

    it('keeps an instance and its timeline', async () => {
      const created = await store.createInstance(
        newInstance({ name: 'timeline-db' }),
        requested,
      );
      expect(created).toMatchObject({
        name: 'timeline-db',
        status: 'provisioning',
        deletionProtection: false,
        hostRef: null,
      });

      const updated = await store.updateInstance(
        created.id,
        {
          status: 'running',
          phase: null,
          health: 'healthy',
          endpoint: {
            host: '127.0.0.1',
            port: 5433,
            database: 'orders',
            user: 'app',
          },
          hostRef: {
            runtime: 'local',
            instanceId: created.id,
            address: '127.0.0.1',
            data: { port: 5433 },
          },
        },
        { type: 'status', message: 'running', actor: 'dbaas' },
      );
      expect(updated.endpoint).toEqual({
        host: '127.0.0.1',
        port: 5433,
        database: 'orders',
        user: 'app',
      });
      expect(updated.hostRef?.data).toEqual({ port: 5433 });

      const events = await store.listEvents(created.id);
      expect(events.map(e => [e.type, e.message])).toEqual([
        ['created', 'requested'],
        ['status', 'running'],
      ]);
    });

    it('refuses a second live instance of the same name, but frees the name on delete', async () => {
      const name = 'unique-db';
      const first = await store.createInstance(
        newInstance({ name, owner: 'group:default/team-b' }),
        requested,
      );
      await expect(
        store.createInstance(
          newInstance({ name, owner: 'group:default/team-c' }),
          requested,
        ),
      ).rejects.toThrow(
        "name: 'unique-db' is already used by another database (owned by group:default/team-b); database names are unique across the portal",
      );

      await store.updateInstance(first.id, { status: 'deleted' });
      await expect(
        store.createInstance(newInstance({ name }), requested),
      ).resolves.toBeDefined();
    });

    it('leaves an instance held at its host out of the pending work', async () => {
      const { id } = await store.createInstance(
        newInstance({
          name: 'held-db',
          phase: 'host_ready',
          holdAtHost: true,
          deadlineAt: new Date(Date.now() + 60_000).toISOString(),
        }),
        requested,
      );
      expect(await store.work.listPending()).not.toContain(id);
      await store.updateInstance(id, { holdAtHost: false });
      expect(await store.work.listPending()).toContain(id);

      // past its deadline it is picked up again, to fail with PROVISION_TIMEOUT
      await store.updateInstance(id, {
        holdAtHost: true,
        deadlineAt: new Date(Date.now() - 1000).toISOString(),
      });
      expect(await store.work.listPending()).toContain(id);
    });

    it('gives the lease to one replica at a time, to another once it expires, and fences the one taken over', async () => {
      const { id } = await store.createInstance(
        newInstance({ name: 'lease-db' }),
        requested,
      );

      const first = await store.work.claim(id, 'replica-1', 60_000);
      expect(first).toBeDefined();
      expect(await store.work.claim(id, 'replica-2', 60_000)).toBeUndefined();
      expect(await store.work.listPending()).not.toContain(id);
      // a restarted replica finds its own lease at once
      expect(await store.work.listPending('replica-1')).toContain(id);
      // a replica without the instance's runtime leaves it to one that has it
      expect(
        await store.work.listPending('replica-1', ['kubernetes']),
      ).not.toContain(id);
      expect(await store.work.listPending('replica-1', ['local'])).toContain(
        id,
      );

      await store.work.release(first!);
      expect(await store.work.listPending()).toContain(id);
      const second = await store.work.claim(id, 'replica-2', 1);
      expect(second!.token).toBeGreaterThan(first!.token);
      await new Promise(resolve => setTimeout(resolve, 20));
      const third = await store.work.claim(id, 'replica-1', 60_000);
      expect(third!.token).toBeGreaterThan(second!.token);

      // replica-2 still runs but was taken over: it can neither renew nor write
      expect(await store.work.renew(second!, 60_000)).toBe(false);
      await expect(
        store.updateInstance(id, { phase: 'host_ready' }, undefined, {
          lease: second!,
        }),
      ).rejects.toThrow(LeaseLostError);
      expect((await store.getInstance(id))!.phase).toBe('requested');
      await store.updateInstance(id, { phase: 'host_ready' }, undefined, {
        lease: third!,
      });
      expect((await store.getInstance(id))!.phase).toBe('host_ready');
    });

    it('backs a failing retry off and records one event per distinct error', async () => {
      const { id } = await store.createInstance(
        newInstance({ name: 'retry-db', status: 'deleting' }),
        requested,
      );
      const lease = (await store.work.claim(id, 'replica-1', 60_000))!;
      const failure = {
        type: 'fault' as const,
        message: 'deleting failed, will retry: daemon down',
        actor: 'dbaas',
      };
      expect(
        await store.work.scheduleRetry(lease, 'daemon down', failure),
      ).toBe(1);
      expect(
        await store.work.scheduleRetry(lease, 'daemon down', failure),
      ).toBe(2);
      expect(
        await store.work.scheduleRetry(lease, 'no such host', {
          ...failure,
          message: 'deleting failed, will retry: no such host',
        }),
      ).toBe(3);
      await store.work.release(lease);

      // due in 4 s (1 s, 2 s, 4 s): not pending before that
      expect(await store.work.listPending()).not.toContain(id);
      const faults = (await store.listEvents(id)).filter(
        e => e.type === 'fault',
      );
      expect(faults.map(e => e.message)).toEqual([
        'deleting failed, will retry: daemon down',
        'deleting failed, will retry: no such host',
      ]);
      const stored = (await store.getInstance(id))!;
      expect(stored.retryAttempts).toBe(3);
      expect(stored.lastError).toBe('no such host');
    });

    it('filters and counts usage per owner', async () => {
      const owner = 'group:default/usage';
      await store.createInstance(
        newInstance({ owner, name: 'a-db', storageGiB: 3 }),
        requested,
      );
      const b = await store.createInstance(
        newInstance({ owner, name: 'b-db', storageGiB: 4 }),
        requested,
      );
      await store.createInstance(
        newInstance({ owner, name: 'c-db', storageGiB: 9, status: 'failed' }),
        requested,
      );

      expect(await store.usage(owner)).toEqual({ instances: 2, storageGiB: 7 });
      expect(
        (
          await store.listInstances({ owners: [owner], statuses: ['failed'] })
        ).map(i => i.name),
      ).toEqual(['c-db']);

      await store.updateInstance(b.id, { status: 'deleted' });
      expect(await store.usage(owner)).toEqual({ instances: 1, storageGiB: 3 });
    });

    it('admits exactly as many parallel creates as the quota allows', async () => {
      const owner = 'group:default/parallel-team';
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, n) =>
          store.createInstance(
            newInstance({ name: `parallel-${n}`, owner, storageGiB: 1 }),
            requested,
            usage => {
              if (usage.instances + 1 > 3) throw new Error('quota');
            },
          ),
        ),
      );
      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(3);
      expect(
        results.filter(
          r => r.status === 'rejected' && String(r.reason) === 'Error: quota',
        ),
      ).toHaveLength(9);
      expect(await store.usage(owner)).toEqual({ instances: 3, storageGiB: 3 });
    });
  },
);

describe('replicas starting together on a fresh PostgreSQL store', () => {
  it('all come up: the ones that lose the race for the migration tables go on', async () => {
    // an empty database: nobody has run the migrations yet
    const empty = await databases.init('POSTGRES_15');
    const connection = empty.client.config.connection;
    const replicas = [1, 2, 3, 4].map(() =>
      knexFactory({ client: 'pg', connection, pool: { min: 0, max: 2 } }),
    );
    try {
      const stores = await Promise.all(
        replicas.map(knex => InstanceStore.create(knex)),
      );
      expect(stores).toHaveLength(4);
      const [{ count }] = await empty('knex_migrations').count({ count: '*' });
      expect(Number(count)).toBeGreaterThan(0);
    } finally {
      await Promise.all(replicas.map(knex => knex.destroy()));
    }
  });
});

describe('a fresh store whose migration lock two replicas both made', () => {
  it('keeps one lock row and migrates (knex would wait for the lock for good)', async () => {
    const knex = await databases.init('POSTGRES_15');
    await knex.schema.createTable('knex_migrations', table => {
      table.increments('id');
      table.string('name');
      table.integer('batch');
      table.timestamp('migration_time');
    });
    await knex.schema.createTable('knex_migrations_lock', table => {
      table.increments('index');
      table.integer('is_locked');
    });
    await knex('knex_migrations_lock').insert([
      { is_locked: 0 },
      { is_locked: 0 },
    ]);

    await InstanceStore.create(knex);
    expect(await knex('knex_migrations_lock').count({ n: '*' })).toEqual([
      { n: '1' },
    ]);
    const [{ count }] = await knex('knex_migrations').count({ count: '*' });
    expect(Number(count)).toBeGreaterThan(0);
  });
});
