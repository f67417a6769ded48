import { Credentials, Flavor } from '@dbaas/plugin-dbaas-common';
import {
  mariadbFlavor,
  postgresFlavor,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { appSql } from '../__testUtils__/appSql';
import { dockerFlavor } from '../__testUtils__/fixtures';
import { as, getCredentials } from '../__testUtils__/managerApi';
import { dayTwoManager } from './__testUtils__/dayTwoManager';
import { backUp, runningInstance } from '../__testUtils__/backupApi';

jest.setTimeout(300_000);

const asAlice = as('alice');

/** The server's value of a parameter, as the application user sees it. */
async function shown(engine: string, creds: Credentials, name: string) {
  const rows =
    engine === 'postgresql'
      ? await appSql('postgresql', creds, `SHOW ${name}`)
      : await appSql('mariadb', creds, `SELECT @@GLOBAL.${name} AS v`);
  return String(Object.values(rows[0])[0]);
}

describe.each([
  ['local', 'postgresql', postgresFlavor],
  ['local', 'mariadb', mariadbFlavor],
  ['docker', 'postgresql', { ...dockerFlavor, memoryMiB: 512 }],
] as const)(
  'server parameters on the %s runtime with %s',
  (runtime, engine, flavor: Flavor) => {
    const h = dayTwoManager('parameters', runtime, flavor);
    const { api } = h;
    const idle = (id: string) => h.until(id);
    beforeAll(() => h.start());
    afterAll(() => h.stop());

    it('refuses unknown names and values out of range, applies allowed ones (restarting where needed), keeps them across a restart and resets them', async () => {
      const created = await api('post', '/instances').send({
        name: `params-${runtime}-${engine.slice(0, 5)}`,
        owner: 'team-a',
        flavorId: flavor.id,
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      await idle(id);
      // a restart may move a container to another published port: always the current ones
      const creds = async (): Promise<Credentials> =>
        (await getCredentials(h.manager.server, asAlice, id)).body;
      const before = await shown(engine, await creds(), 'max_connections');

      const low = await api('patch', `/instances/${id}`).send({
        parameters: { max_connections: 5 },
      });
      expect(low.status).toBe(400);
      expect(low.body.error.message).toContain(
        'parameters.max_connections: must be a whole number from 10 to',
      );
      const unknown = await api('patch', `/instances/${id}`).send({
        parameters: { shared_preload_libraries: 1 },
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain('allowed: max_connections');

      const reloaded =
        engine === 'postgresql'
          ? { name: 'work_mem', value: 8, shown: '8MB' }
          : { name: 'wait_timeout', value: 600, shown: '600' };
      const set = await api('patch', `/instances/${id}`).send({
        parameters: { max_connections: 50, [reloaded.name]: reloaded.value },
      });
      expect(set.status).toBe(200);
      expect(set.body.operation).toMatchObject({ type: 'set-parameters' });
      expect((await idle(id)).parameters).toEqual({
        max_connections: 50,
        [reloaded.name]: reloaded.value,
      });
      expect(await shown(engine, await creds(), 'max_connections')).toBe('50');
      expect(await shown(engine, await creds(), reloaded.name)).toBe(
        reloaded.shown,
      );

      // a restart keeps them (MariaDB gets them set again)
      expect((await api('post', `/instances/${id}/restart`)).status).toBe(202);
      await idle(id);
      expect(await shown(engine, await creds(), 'max_connections')).toBe('50');

      // null returns one to its default
      await api('patch', `/instances/${id}`).send({
        parameters: { max_connections: null },
      });
      expect((await idle(id)).parameters).toEqual({
        [reloaded.name]: reloaded.value,
      });
      expect(await shown(engine, await creds(), 'max_connections')).toBe(
        before,
      );
      const events = (await api('get', `/instances/${id}/events`)).body.items;
      expect(events.map((e: { message: string }) => e.message)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            engine === 'postgresql'
              ? /server parameters set as user:default\/alice asked, with a restart: max_connections=50/
              : /server parameters set as user:default\/alice asked: max_connections=50/,
          ),
        ]),
      );
    });
  },
);

describe('a restore of a database with server settings', () => {
  const h = dayTwoManager('settings-restore', 'local', postgresFlavor);
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it("starts from none of the source's ALTER SYSTEM settings (its parameters, a read-only mark)", async () => {
    const source = await runningInstance(h.manager.server, {
      name: 'settings-source',
      flavorId: postgresFlavor.id,
    });
    const defaultWorkMem = await shown('postgresql', source.creds, 'work_mem');
    await appSql('postgresql', source.creds, 'CREATE TABLE kept (v TEXT)');
    await appSql('postgresql', source.creds, "INSERT INTO kept VALUES ('row')");
    await h
      .api('patch', `/instances/${source.id}`)
      .send({ parameters: { work_mem: 16 } });
    await h.until(source.id);
    expect(await shown('postgresql', source.creds, 'work_mem')).toBe('16MB');
    const backup = await backUp(h.manager.server, source.id);
    expect(backup.status).toBe('completed');

    const restored = await h.api('post', '/instances').send({
      name: 'settings-copy',
      owner: 'team-a',
      flavorId: postgresFlavor.id,
      restoreFrom: { backupId: backup.id },
    });
    expect(restored.status).toBe(202);
    const copy = await h.until(restored.body.id, 'the restore');
    expect(copy.parameters).toEqual({});
    const creds = (
      await getCredentials(h.manager.server, asAlice, restored.body.id)
    ).body as Credentials;
    expect(await appSql('postgresql', creds, 'SELECT v FROM kept')).toEqual([
      { v: 'row' },
    ]);
    expect(await shown('postgresql', creds, 'work_mem')).toBe(defaultWorkMem);
    await appSql('postgresql', creds, "INSERT INTO kept VALUES ('writable')");
  });
});
