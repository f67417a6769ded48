import { mockServices } from '@backstage/backend-test-utils';
import { BackupPolicy } from '@dbaas/plugin-dbaas-common';
import {
  BackupObjectNotFoundError,
  FilesystemBackupStore,
  Runtime,
} from '@dbaas/plugin-dbaas-node';
import { TEST_ENCRYPTION_KEY } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import { Readable } from 'stream';
import {
  makeDataDir,
  newInstance,
  postgresFlavor,
  REQUESTED,
} from '../__testUtils__/fixtures';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { SecretBox } from '../crypto/SecretBox';
import { RuntimeRegistry } from '../runtimes';
import { BackupRecords } from '../store/BackupRecords';
import { InstanceStore, StoredInstance } from '../store/InstanceStore';
import { BackupScheduler } from './BackupScheduler';
import { BackupRunner } from './BackupRunner';
import { baseBackupKey, logKey } from './objectKeys';

jest.setTimeout(60_000);

const databases = createTestDatabases(['POSTGRES_15', 'SQLITE_3']);
const DAY = 24 * 3600 * 1000;
const HOUR = 3600 * 1000;

describe.each(databases.eachSupportedId())(
  'scheduled backups and retention on %p',
  databaseId => {
    let instances: InstanceStore;
    let records: BackupRecords;
    let store: FilesystemBackupStore;
    let dir: string;
    let now: Date;
    let started: Array<{ name: string; trigger: string }>;
    let scheduler: BackupScheduler;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      instances = await InstanceStore.create(knex);
      records = new BackupRecords(knex);
      dir = makeDataDir('backup-scheduler');
      store = new FilesystemBackupStore({ directory: dir });
      const runtimes = new RuntimeRegistry();
      runtimes.add({
        name: 'local',
        engine: { backups: {} },
      } as unknown as Runtime);
      // records the start as the runner does; the backup itself is tested in backupRestore.test
      const runner = {
        start: async (instance: StoredInstance, trigger: string) => {
          started.push({ name: instance.name, trigger });
          return records.start({
            id: `${instance.name}-${started.length}`,
            instanceId: instance.id,
            trigger: trigger as 'scheduled',
            requestedBy: 'dbaas',
            owner: 'replica-a',
            leaseMs: 60_000,
          });
        },
      } as unknown as BackupRunner;
      scheduler = new BackupScheduler(
        {
          store,
          records,
          instances,
          runtimes,
          flavors: [postgresFlavor],
          secretBox: new SecretBox(TEST_ENCRYPTION_KEY),
          logger: mockServices.logger.mock(),
          replicaId: 'replica-a',
          leaseMs: 60_000,
          runner,
        },
        { now: () => now },
      );
    });

    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    beforeEach(() => {
      started = [];
    });

    const running = async (name: string, backupPolicy: BackupPolicy) => {
      const created = await instances.createInstance(
        newInstance({ name, backupPolicy }),
        REQUESTED,
      );
      return instances.updateInstance(created.id, { status: 'running' });
    };

    const log = async (instance: StoredInstance, name: string) => {
      const info = await store.put(
        logKey(instance.id, name),
        Readable.from([Buffer.from(name)]),
      );
      await records.recordLog({
        instanceId: instance.id,
        name,
        size: info.size,
        sha256: info.sha256,
        archivedAt: new Date().toISOString(),
      });
    };

    /** A completed backup with an object in the store and the log file it starts at. */
    const completed = async (
      instance: StoredInstance,
      id: string,
      walStart: string,
    ) => {
      await records.start({
        id,
        instanceId: instance.id,
        trigger: 'manual',
        requestedBy: 'user:default/alice',
        owner: 'replica-a',
        leaseMs: 60_000,
      });
      const key = baseBackupKey(instance.id, id);
      const info = await store.put(key, Readable.from([Buffer.from(id)]));
      await records.complete(id, 'replica-a', {
        objectKey: key,
        size: info.size,
        sha256: info.sha256,
        restorableFrom: new Date().toISOString(),
        walStart,
        walStop: walStart,
      });
      await log(instance, walStart);
      // restorableFrom orders backups: keep them apart
      await new Promise(r => setTimeout(r, 5));
    };

    const exists = (key: string) =>
      store.head(key).then(
        () => true,
        error => {
          if (error instanceof BackupObjectNotFoundError) return false;
          throw error;
        },
      );

    it('starts a backup when its schedule comes due, once, and again after a failure', async () => {
      const nightly = await running(`nightly-${databaseId.length}`, {
        schedule: '0 3 * * *',
        retentionDays: 7,
        retentionCount: null,
      });
      await running(`unscheduled-${databaseId.length}`, {
        schedule: null,
        retentionDays: 7,
        retentionCount: null,
      });
      const created = Date.parse(nightly.createdAt);
      const nextThree = new Date(created);
      nextThree.setUTCHours(3, 0, 0, 0);
      if (nextThree.getTime() <= created) {
        nextThree.setTime(nextThree.getTime() + DAY);
      }

      now = new Date(nextThree.getTime() - 60_000);
      await scheduler.startDue();
      expect(started).toEqual([]);

      now = new Date(nextThree.getTime() + 30_000);
      await scheduler.startDue();
      expect(started).toEqual([{ name: nightly.name, trigger: 'scheduled' }]);
      // it runs: not started again
      await scheduler.startDue();
      expect(started).toHaveLength(1);

      const [backup] = await records.list(nightly.id);
      await records.fail(backup.id, {
        code: 'BACKUP_STORE_UNAVAILABLE',
        message: 'the store went away',
      });
      now = new Date(Date.parse(backup.startedAt) + 60_000);
      await scheduler.startDue();
      expect(started).toHaveLength(1);
      // a failed scheduled backup is tried again 15 minutes after it started
      now = new Date(Date.parse(backup.startedAt) + 15 * 60_000 + 1000);
      await scheduler.startDue();
      expect(started).toHaveLength(2);
    });

    it('prunes by count and by age, never the newest backup of a live instance, and the log before the oldest kept', async () => {
      const live = await running(`kept-${databaseId.length}`, {
        schedule: null,
        retentionDays: 7,
        retentionCount: 2,
      });
      await completed(live, `${live.name}-a`, '000000010000000000000001');
      await completed(live, `${live.name}-b`, '000000010000000000000003');
      await completed(live, `${live.name}-c`, '000000010000000000000005');
      await log(live, '00000002.history');

      now = new Date();
      await scheduler.prune();
      expect((await records.list(live.id)).map(b => b.id)).toEqual([
        `${live.name}-c`,
        `${live.name}-b`,
      ]);
      expect(await exists(baseBackupKey(live.id, `${live.name}-a`))).toBe(
        false,
      );
      expect((await records.logs(live.id)).map(l => l.name)).toEqual([
        '000000010000000000000003',
        '000000010000000000000005',
        '00000002.history',
      ]);
      expect(await exists(logKey(live.id, '000000010000000000000001'))).toBe(
        false,
      );

      // past the retention period: only the newest, the base of the window, stays
      now = new Date(Date.now() + 8 * DAY);
      await scheduler.prune();
      expect((await records.list(live.id)).map(b => b.id)).toEqual([
        `${live.name}-c`,
      ]);
      expect(await exists(baseBackupKey(live.id, `${live.name}-c`))).toBe(true);
    });

    it("keeps a deleted instance's backups for the retention period, then removes them and its log", async () => {
      const gone = await running(`gone-${databaseId.length}`, {
        schedule: null,
        retentionDays: 3,
        retentionCount: null,
      });
      await completed(gone, `${gone.name}-final`, 'mariadb-bin.000002');
      await instances.updateInstance(gone.id, {
        status: 'deleted',
        deletedAt: new Date().toISOString(),
      });

      now = new Date(Date.now() + 2 * DAY);
      await scheduler.prune();
      expect(await records.list(gone.id)).toHaveLength(1);

      now = new Date(Date.now() + 3 * DAY + HOUR);
      await scheduler.prune();
      expect(await records.list(gone.id)).toEqual([]);
      expect(await records.logs(gone.id)).toEqual([]);
      expect(await store.list(`instances/${gone.id}/`)).toEqual([]);
    });
  },
);
