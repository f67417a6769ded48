import {
  Credentials,
  Database,
  DatabaseUser,
  Flavor,
  Instance,
} from '@dbaas/plugin-dbaas-common';
import {
  mariadbFlavor,
  postgresFlavor,
  until,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { appSql } from '../__testUtils__/appSql';
import { dockerFlavor } from '../__testUtils__/fixtures';
import { as, getCredentials } from '../__testUtils__/managerApi';
import { dayTwoManager } from './__testUtils__/dayTwoManager';

jest.setTimeout(300_000);

const asAlice = as('alice');

describe.each([
  ['local', 'postgresql', postgresFlavor],
  ['local', 'mariadb', mariadbFlavor],
  ['docker', 'postgresql', { ...dockerFlavor, memoryMiB: 512 }],
  [
    'docker',
    'mariadb',
    { ...mariadbFlavor, id: 'mariadb-10-11-docker', memoryMiB: 512 },
  ],
] as const)(
  'users and databases on the %s runtime with %s',
  (runtime, engine, flavor: Flavor) => {
    const h = dayTwoManager('objects', runtime, flavor);
    const { api } = h;
    const idle = (id: string) => h.until(id);
    const users = async (id: string) =>
      (await api('get', `/instances/${id}/users`)).body.items as DatabaseUser[];
    const userCredentials = async (id: string, name: string) => {
      const res = await api(
        'get',
        `/instances/${id}/users/${name}/credentials`,
      );
      expect(res.status).toBe(200);
      return res.body as Credentials;
    };

    beforeAll(() => h.start());
    afterAll(() => h.stop());

    it('makes readonly and readwrite users and databases, refuses what does not fit, and removes them', async () => {
      const created = await api('post', '/instances').send({
        name: `objects-${runtime}-${engine.slice(0, 5)}`,
        owner: 'team-a',
        flavorId: flavor.id,
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      await until(
        'the database to run',
        async () => (await api('get', `/instances/${id}`)).body as Instance,
        i => i.status === 'running',
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      const app: Credentials = (
        await getCredentials(h.manager.server, asAlice, id)
      ).body;
      await appSql(engine, app, 'CREATE TABLE t (v TEXT)');
      await appSql(engine, app, "INSERT INTO t VALUES ('first')");

      // a second database; one operation at a time
      const db = await api('post', `/instances/${id}/databases`).send({
        name: 'reports',
      });
      expect(db.status).toBe(202);
      expect(db.body).toMatchObject({ name: 'reports', status: 'creating' });
      const busy = await api('post', `/instances/${id}/users`).send({
        name: 'reader',
        role: 'readonly',
      });
      expect(busy.status).toBe(409);
      expect(busy.body.error.message).toContain('create-database under way');
      await idle(id);
      const databases = (await api('get', `/instances/${id}/databases`)).body
        .items as Database[];
      expect(databases.map(d => [d.name, d.application, d.status])).toEqual([
        [app.database, true, 'ready'],
        ['reports', false, 'ready'],
      ]);

      // a readonly user reads, and cannot write
      expect(
        (
          await api('post', `/instances/${id}/users`).send({
            name: 'reader',
            role: 'readonly',
          })
        ).status,
      ).toBe(202);
      await idle(id);
      const reader = await userCredentials(id, 'reader');
      expect(reader).toMatchObject({
        username: 'reader',
        database: app.database,
      });
      expect(await appSql(engine, reader, 'SELECT v FROM t')).toEqual([
        { v: 'first' },
      ]);
      await expect(
        appSql(engine, reader, "INSERT INTO t VALUES ('no')"),
      ).rejects.toThrow(/denied/i);

      // a readwrite user writes, also to tables the application makes later
      await api('post', `/instances/${id}/users`).send({
        name: 'writer',
        role: 'readwrite',
      });
      await idle(id);
      const writer = await userCredentials(id, 'writer');
      await appSql(engine, writer, "INSERT INTO t VALUES ('by writer')");
      await appSql(engine, app, 'CREATE TABLE later (v TEXT)');
      await appSql(engine, writer, "INSERT INTO later VALUES ('later')");
      expect(await appSql(engine, reader, 'SELECT v FROM later')).toEqual([
        { v: 'later' },
      ]);

      // a user of the second database connects to it
      await api('post', `/instances/${id}/users`).send({
        name: 'reporter',
        role: 'readwrite',
        database: 'reports',
      });
      await idle(id);
      const reporter = await userCredentials(id, 'reporter');
      expect(reporter.database).toBe('reports');
      expect(await appSql(engine, reporter, 'SELECT 1 AS one')).toEqual([
        { one: 1 },
      ]);
      expect((await users(id)).map(u => [u.name, u.role, u.database])).toEqual([
        ['reader', 'readonly', app.database],
        ['writer', 'readwrite', app.database],
        ['reporter', 'readwrite', 'reports'],
      ]);

      // bad input names its field; taken names are refused
      const bad = async (body: object, status: number, text: string) => {
        const res = await api('post', `/instances/${id}/users`).send(body);
        expect(res.status).toBe(status);
        expect(res.body.error.message).toContain(text);
      };
      await bad({ name: 'Bad-Name', role: 'readonly' }, 400, 'name');
      await bad({ name: 'someone', role: 'admin' }, 400, 'role');
      await bad(
        { name: 'someone', role: 'readonly', database: 'nope' },
        400,
        "database: 'nope' is not a database",
      );
      await bad({ name: 'root', role: 'readonly' }, 400, 'reserved');
      await bad(
        { name: 'reader', role: 'readonly' },
        409,
        'user reader already',
      );
      const appDrop = await api(
        'delete',
        `/instances/${id}/databases/${app.database}`,
      );
      expect(appDrop.status).toBe(409);
      const usedDrop = await api(
        'delete',
        `/instances/${id}/databases/reports`,
      );
      expect(usedDrop.status).toBe(409);
      expect(usedDrop.body.error.message).toContain('reporter');

      // removal: the user can no longer log in, the database is gone
      for (const name of ['reporter', 'reader']) {
        const res = await api('delete', `/instances/${id}/users/${name}`);
        expect(res.status).toBe(202);
        expect(res.body.status).toBe('deleting');
        await idle(id);
      }
      await expect(appSql(engine, reader, 'SELECT 1')).rejects.toThrow(
        /denied|authentication failed/i,
      );
      expect(
        (await api('delete', `/instances/${id}/databases/reports`)).status,
      ).toBe(202);
      await idle(id);
      expect(
        (
          (await api('get', `/instances/${id}/databases`)).body
            .items as Database[]
        ).map(d => d.name),
      ).toEqual([app.database]);
      expect((await users(id)).map(u => u.name)).toEqual(['writer']);
      expect(
        await appSql(engine, writer, 'SELECT v FROM t ORDER BY v'),
      ).toEqual([{ v: 'by writer' }, { v: 'first' }]);
    });
  },
);
