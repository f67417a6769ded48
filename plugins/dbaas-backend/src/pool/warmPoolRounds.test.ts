import { mockServices } from '@backstage/backend-test-utils';
import { TestDatabaseId } from '@backstage/backend-test-utils';
import { Runtime } from '@dbaas/plugin-dbaas-node';
import { SecretBox } from '../crypto/SecretBox';
import { postgresFlavor, TEST_ENCRYPTION_KEY } from '../__testUtils__/fixtures';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { ScriptedRuntime } from '../lifecycle/__testUtils__/scriptedRuntime';
import { RuntimeRegistry } from '../runtimes';
import { InstanceStore } from '../store/InstanceStore';
import { PoolMembers } from '../store/PoolMembers';
import { SettingsStore } from '../store/SettingsStore';
import { WarmPool } from './WarmPool';

jest.setTimeout(60_000);

const databases = createTestDatabases(['POSTGRES_15', 'SQLITE_3']);
const SIZE = 3;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** A poolable runtime whose hosts take 100 ms to make, so that rounds overlap. */
function slowPoolableRuntime(scripted: ScriptedRuntime): Runtime {
  scripted.next('provision', ...Array(20).fill(() => sleep(100)));
  const runtime = scripted.runtime('local');
  return {
    ...runtime,
    poolable: true,
    engine: { ...runtime.engine, admin: {} as any },
  };
}

/** One replica's pool on the shared store. */
async function replicaPool(id: TestDatabaseId, scripted: ScriptedRuntime) {
  const knex = await databases.init(id);
  const runtimes = new RuntimeRegistry();
  runtimes.add(slowPoolableRuntime(scripted));
  return {
    knex,
    pool: (settings: SettingsStore, replicaId?: string) =>
      new WarmPool({
        replicaId,
        flavors: [{ ...postgresFlavor, warmPool: { size: SIZE } }],
        defaultRuntime: 'local',
        maxInstances: 100,
        runtimes,
        members: new PoolMembers(knex),
        instances: {} as InstanceStore,
        secretBox: new SecretBox(TEST_ENCRYPTION_KEY),
        logger: mockServices.logger.mock(),
        stepTimeoutMs: 5_000,
        settings,
      }),
  };
}

describe.each(databases.eachSupportedId())('warm pool rounds on %s', id => {
  it('fills the pool once when two replicas run a round at the same time', async () => {
    const scripted = new ScriptedRuntime();
    const { knex, pool } = await replicaPool(id, scripted);
    await InstanceStore.create(knex); // migrations
    const settings = new SettingsStore(knex);
    const [a, b] = [pool(settings), pool(settings)];

    await Promise.all([a.maintain(), b.maintain()]);

    const members = await new PoolMembers(knex).list();
    expect(members.filter(m => m.status === 'ready')).toHaveLength(SIZE);
    expect(scripted.calls.provision).toBe(SIZE);
    // the lease is free again: the next round runs (and finds nothing missing)
    await a.maintain();
    expect(scripted.calls.provision).toBe(SIZE);
  });

  it('takes over the lease of a replica that died in a round, once it has expired', async () => {
    const scripted = new ScriptedRuntime();
    const { knex, pool } = await replicaPool(id, scripted);
    await InstanceStore.create(knex);
    const settings = new SettingsStore(knex);
    const future = new Date(Date.now() + 60_000).toISOString();
    await settings.insertIfAbsent('warmPool.round', `dead-replica ${future}`);

    await pool(settings).maintain();
    expect(scripted.calls.provision).toBe(0);

    const past = new Date(Date.now() - 1).toISOString();
    await settings.swap(
      'warmPool.round',
      `dead-replica ${future}`,
      `dead-replica ${past}`,
    );
    await pool(settings).maintain();
    expect(scripted.calls.provision).toBe(SIZE);
  });

  it("takes over at once the lease its own replica left in a former life, never another's", async () => {
    const scripted = new ScriptedRuntime();
    const { knex, pool } = await replicaPool(id, scripted);
    await InstanceStore.create(knex);
    const settings = new SettingsStore(knex);
    const future = new Date(Date.now() + 60_000).toISOString();
    await settings.insertIfAbsent('warmPool.round', `pod-1 ${future} a-token`);

    await pool(settings, 'pod-2').maintain();
    expect(scripted.calls.provision).toBe(0);
    await pool(settings, 'pod-1').maintain();
    expect(scripted.calls.provision).toBe(SIZE);
  });
});
