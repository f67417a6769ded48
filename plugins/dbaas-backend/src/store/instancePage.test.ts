import { newInstance, REQUESTED } from '../__testUtils__/fixtures';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { BackupRecords } from './BackupRecords';
import { InstanceStore } from './InstanceStore';
import { InstancePageQuery } from './instancePage';

jest.setTimeout(60_000);

const databases = createTestDatabases(['POSTGRES_15', 'SQLITE_3']);

const LIVE = ['provisioning', 'running', 'failed'] as const;

describe.each(databases.eachSupportedId())(
  'a page of instances on %p',
  databaseId => {
    let store: InstanceStore;
    let backups: BackupRecords;
    const page = (query: Partial<InstancePageQuery>) =>
      store.pageOfInstances({
        statuses: [...LIVE],
        limit: 100,
        offset: 0,
        ...query,
      });
    const names = async (query: Partial<InstancePageQuery>) =>
      (await page(query)).items.map(i => i.name).sort();

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      store = await InstanceStore.create(knex);
      backups = new BackupRecords(knex);
      const add = async (
        name: string,
        owner: string,
        more: Parameters<typeof newInstance>[0] = {},
      ) => {
        // distinct creation times: the order is newest first
        await new Promise(resolve => setTimeout(resolve, 5));
        const created = await store.createInstance(
          newInstance({ name, owner, ...more }),
          REQUESTED,
        );
        return created.id;
      };
      await add('orders-db', 'group:default/team-a');
      await add('orders_2024', 'group:default/team-a');
      await add('billing', 'group:default/team-b', {
        engine: 'mariadb',
        flavorId: 'mariadb-10.11',
      });
      await add('percent-100', 'user:default/carol');
      const kept = await add('gone-kept', 'group:default/team-b');
      const dropped = await add('gone-dropped', 'group:default/team-b');
      for (const id of [kept, dropped]) {
        await store.updateInstance(id, {
          status: 'deleted',
          deletedAt: new Date().toISOString(),
        });
      }
      await backups.recordLog({
        instanceId: kept,
        name: '000000010000000000000001',
        size: 16,
        sha256: 'a'.repeat(64),
        archivedAt: new Date().toISOString(),
      });
    });

    it('filters by owner, engine, flavor and name in the query', async () => {
      expect(await names({ owners: ['group:default/team-a'] })).toEqual([
        'orders-db',
        'orders_2024',
      ]);
      expect(await names({ engines: ['mariadb'] })).toEqual(['billing']);
      expect(await names({ flavorId: 'mariadb-10.11' })).toEqual(['billing']);
      expect(await names({ name: 'orders-db' })).toEqual(['orders-db']);
      expect(await names({ statuses: ['failed'] })).toEqual([]);
    });

    it('searches name, owner and flavor case-insensitively, wildcards taken literally', async () => {
      expect(await names({ search: 'ORDERS' })).toEqual([
        'orders-db',
        'orders_2024',
      ]);
      expect(await names({ search: 'team-b' })).toEqual(['billing']);
      expect(await names({ search: 'MariaDB' })).toEqual(['billing']);
      // `_` and `%` are characters of the name, not LIKE's wildcards
      expect(await names({ search: 's_2' })).toEqual(['orders_2024']);
      expect(await names({ search: '%' })).toEqual([]);
    });

    it("applies the policy's conditions: allOf, anyOf and not over the owner rule", async () => {
      expect(
        await names({ access: { owners: ['user:default/carol'] } }),
      ).toEqual(['percent-100']);
      expect(
        await names({
          access: {
            anyOf: [
              { owners: ['user:default/carol'] },
              { owners: ['group:default/team-b'] },
            ],
          },
        }),
      ).toEqual(['billing', 'percent-100']);
      expect(
        await names({
          access: {
            allOf: [
              { owners: ['group:default/team-a', 'group:default/team-b'] },
              { not: { owners: ['group:default/team-a'] } },
            ],
          },
        }),
      ).toEqual(['billing']);
      expect(await names({ access: { owners: [] } })).toEqual([]);
      // the owner filter and the conditions together: what both allow
      expect(
        await names({
          owners: ['group:default/team-a'],
          access: { owners: ['user:default/carol'] },
        }),
      ).toEqual([]);
    });

    it('lists a deleted instance only while it has something to restore from', async () => {
      expect(await names({ statuses: ['deleted'] })).toEqual(['gone-kept']);
    });

    it('reads what changed since a moment, deleted instances included, oldest change first', async () => {
      const before = new Date(Date.now() - 1000).toISOString();
      const changed = await page({
        statuses: [...LIVE, 'deleted'],
        changedSince: before,
      });
      expect(changed.items.map(i => i.name)).toContain('gone-dropped');
      const times = changed.items.map(i => i.updatedAt);
      expect(times).toEqual([...times].sort());
      const later = new Date(Date.now() + 1000).toISOString();
      expect(
        (await page({ statuses: [...LIVE, 'deleted'], changedSince: later }))
          .totalCount,
      ).toBe(0);
    });

    it('pages newest first with the total of all matches, and never reads the secrets', async () => {
      const first = await page({ limit: 2, offset: 0 });
      const rest = await page({ limit: 2, offset: 2 });
      expect(first.totalCount).toBe(4);
      expect(rest.totalCount).toBe(4);
      const all = [...first.items, ...rest.items];
      expect(all.map(i => i.name)).toEqual([
        'percent-100',
        'billing',
        'orders_2024',
        'orders-db',
      ]);
      expect(all.every(i => i.sealedSecrets === '')).toBe(true);
      expect((await page({ limit: 2, offset: 4 })).items).toEqual([]);
    });
  },
);
