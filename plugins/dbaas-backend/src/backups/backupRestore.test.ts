import { Backup, Credentials, Flavor } from '@dbaas/plugin-dbaas-common';
import {
  mariadbFlavor,
  postgresFlavor,
} from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import path from 'path';
import request from 'supertest';
import {
  as,
  deleteAndWait,
  postInstance,
  waitForInstance,
} from '../__testUtils__/managerApi';
import { appSql } from '../__testUtils__/appSql';
import { backUp, runningInstance, snapshot } from '../__testUtils__/backupApi';
import { makeDataDir } from '../__testUtils__/fixtures';
import { ownerRulePermissions } from '../__testUtils__/ownerPolicy';
import { startTestManager, TestManager } from '../testUtils';

jest.setTimeout(300_000);

const asAlice = as('alice');
const asBob = as('bob');

const sql = (engine: Flavor['engine'], c: Credentials, text: string) =>
  appSql(engine, c, text);

describe.each([
  ['postgresql', postgresFlavor],
  ['mariadb', mariadbFlavor],
] as const)(
  'backups and restores of %s on the local runtime',
  (engine, flavor) => {
    let manager: TestManager;
    let dataDir: string;
    const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

    beforeAll(async () => {
      dataDir = makeDataDir(`backups-${engine}`);
      manager = await startTestManager({
        dataDir,
        features: [ownerRulePermissions().factory],
        dbaas: {
          flavors: [flavor],
          runtimes: { local: { dataDir, walArchiving: true } },
          backups: {
            store: {
              type: 'filesystem',
              directory: path.join(dataDir, 'store'),
            },
          },
        },
      });
    });

    afterAll(async () => {
      const { body } = await request(manager.server)
        .get('/api/dbaas/instances?limit=500')
        .set('Authorization', asAlice);
      for (const { id } of body.items ?? []) {
        await deleteAndWait(manager.server, asAlice, id);
      }
      await manager.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('backs up, restores a backup exactly, and restores to a moment between two commits', async () => {
      const { server } = manager;
      const source = await runningInstance(server, {
        name: `${engine.slice(0, 5)}-src`,
        flavorId: flavor.id,
      });
      await sql(
        engine,
        source.creds,
        'CREATE TABLE events (id INT PRIMARY KEY, note TEXT)',
      );
      await sql(
        engine,
        source.creds,
        "INSERT INTO events VALUES (1, 'one'), (2, 'two'), (3, 'three')",
      );
      const atFirst = await snapshot(engine, source.creds);

      const first = await backUp(server, source.id);
      expect(first).toMatchObject({
        status: 'completed',
        kind: 'full',
        instanceId: source.id,
        requestedBy: 'user:default/alice',
        fault: null,
      });
      expect(first.size).toBeGreaterThan(0);
      expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);

      // t4 and t5, seconds apart; the second backup closes and ships the log holding them
      await sql(engine, source.creds, "INSERT INTO events VALUES (4, 'four')");
      const t4 = Date.now();
      await sleep(2100);
      await sql(engine, source.creds, "INSERT INTO events VALUES (5, 'five')");
      if (engine === 'mariadb') {
        // the binary log ships once the server rotates it
        await sleep(1100);
      }
      const second = await backUp(server, source.id);
      expect(second.status).toBe('completed');
      const atSecond = await snapshot(engine, source.creds);
      expect(atSecond.ids).toEqual([1, 2, 3, 4, 5]);

      const window = (
        await request(server)
          .get(`/api/dbaas/instances/${source.id}/recovery-window`)
          .set('Authorization', asAlice)
      ).body;
      expect(window.earliest).toBe(first.restorableFrom);
      expect(Date.parse(window.latest)).toBeGreaterThanOrEqual(
        Date.parse(second.restorableFrom!),
      );

      const listed = await request(server)
        .get(`/api/dbaas/instances/${source.id}/backups`)
        .set('Authorization', asAlice);
      expect(listed.body.items.map((b: Backup) => b.id)).toEqual([
        second.id,
        first.id,
      ]);

      // a backup alone: exactly the rows it held, in a new database with its own credentials
      const fromFirst = await runningInstance(server, {
        name: `${engine.slice(0, 5)}-copy`,
        flavorId: flavor.id,
        restoreFrom: { backupId: first.id },
      });
      expect(fromFirst.creds.password).not.toBe(source.creds.password);
      expect(fromFirst.creds.database).toBe(source.creds.database);
      expect(await snapshot(engine, fromFirst.creds)).toEqual(atFirst);

      // between t4 and t5: exactly the rows up to t4
      const pitr = await runningInstance(server, {
        name: `${engine.slice(0, 5)}-pitr`,
        flavorId: flavor.id,
        restoreFrom: {
          instanceId: source.id,
          pointInTime: new Date(t4 + 1000).toISOString(),
        },
      });
      expect((await snapshot(engine, pitr.creds)).ids).toEqual([1, 2, 3, 4]);
      // the restored database is a database of its own
      await sql(engine, pitr.creds, "INSERT INTO events VALUES (6, 'six')");
      expect((await snapshot(engine, source.creds)).ids).toEqual([
        1, 2, 3, 4, 5,
      ]);

      // the window's first moment is the first backup's end: that backup, exactly
      const atStart = await runningInstance(server, {
        name: `${engine.slice(0, 5)}-start`,
        flavorId: flavor.id,
        restoreFrom: {
          instanceId: source.id,
          pointInTime: first.restorableFrom,
        },
      });
      expect(await snapshot(engine, atStart.creds)).toEqual(atFirst);

      // outside the window: refused at once, naming it
      const hourAhead = new Date(Date.now() + 3_600_000).toISOString();
      const late = await postInstance(server, asAlice, {
        name: `${engine.slice(0, 5)}-late`,
        owner: 'team-a',
        flavorId: flavor.id,
        restoreFrom: { instanceId: source.id, pointInTime: hourAhead },
      });
      expect(late.status).toBe(400);
      expect(late.body.error.message).toContain(
        `restoreFrom.pointInTime: ${hourAhead} is outside the recovery window of ${engine.slice(
          0,
          5,
        )}-src: ${window.earliest} ..`,
      );
    });

    it('deletes after a final backup that restores the last committed rows; skipFinalBackup takes none', async () => {
      const { server } = manager;
      const name = (suffix: string) => `${engine.slice(0, 5)}-${suffix}`;
      const doomed = await runningInstance(server, {
        name: name('gone'),
        flavorId: flavor.id,
      });
      await sql(
        engine,
        doomed.creds,
        'CREATE TABLE events (id INT PRIMARY KEY, note TEXT)',
      );
      await sql(
        engine,
        doomed.creds,
        "INSERT INTO events VALUES (1, 'one'), (2, 'two')",
      );
      await sql(engine, doomed.creds, "INSERT INTO events VALUES (3, 'last')");
      const last = await snapshot(engine, doomed.creds);

      await deleteAndWait(server, asAlice, doomed.id);
      const { body: kept } = await request(server)
        .get(`/api/dbaas/instances/${doomed.id}/backups`)
        .set('Authorization', asAlice);
      expect(kept.items).toEqual([
        expect.objectContaining({
          trigger: 'final',
          status: 'completed',
          requestedBy: 'dbaas',
        }),
      ]);
      const { body: deleted } = await request(server)
        .get('/api/dbaas/instances?status=deleted')
        .set('Authorization', asAlice);
      expect(deleted.items.map((i: { id: string }) => i.id)).toContain(
        doomed.id,
      );

      const back = await runningInstance(server, {
        name: name('back'),
        flavorId: flavor.id,
        restoreFrom: { backupId: kept.items[0].id },
      });
      expect(await snapshot(engine, back.creds)).toEqual(last);

      const res = await request(server)
        .delete(`/api/dbaas/instances/${back.id}?skipFinalBackup=true`)
        .set('Authorization', asAlice);
      expect(res.status).toBe(202);
      await waitForInstance(server, asAlice, back.id, 'deleted', i => !i);
      const { body: none } = await request(server)
        .get(`/api/dbaas/instances/${back.id}/backups`)
        .set('Authorization', asAlice);
      expect(none.items).toEqual([]);
      // listed as deleted only while it has backups to restore
      const { body: restorable } = await request(server)
        .get('/api/dbaas/instances?status=deleted')
        .set('Authorization', asAlice);
      const ids = restorable.items.map((i: { id: string }) => i.id);
      expect(ids).toContain(doomed.id);
      expect(ids).not.toContain(back.id);
    });

    it('keeps backups to their owners: others see none and may neither take nor restore them', async () => {
      const { server } = manager;
      const { body: items } = await request(server)
        .get('/api/dbaas/instances?limit=500')
        .set('Authorization', asAlice);
      const source = items.items.find((i: any) => i.name.endsWith('-src'));
      const { body: backups } = await request(server)
        .get(`/api/dbaas/instances/${source.id}/backups`)
        .set('Authorization', asAlice);
      const [backup] = backups.items;

      for (const [method, url] of [
        ['get', `/api/dbaas/instances/${source.id}/backups`],
        ['post', `/api/dbaas/instances/${source.id}/backups`],
        ['get', `/api/dbaas/backups/${backup.id}`],
        ['delete', `/api/dbaas/backups/${backup.id}`],
        ['get', `/api/dbaas/instances/${source.id}/recovery-window`],
      ] as const) {
        const res = await (request(server) as any)
          [method](url)
          .set('Authorization', asBob);
        expect([url, res.status]).toEqual([url, 404]);
      }
      const restore = await postInstance(server, asBob, {
        name: 'bobs-copy',
        owner: 'team-b',
        flavorId: flavor.id,
        restoreFrom: { backupId: backup.id },
      });
      // a backup of a database they may not see does not exist for them
      expect(restore.status).toBe(400);
      expect(restore.body.error.message).toBe(
        `restoreFrom.backupId: no backup with id ${backup.id}`,
      );
    });
  },
);
