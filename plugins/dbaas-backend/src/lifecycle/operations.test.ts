import { Credentials, Flavor, Instance } from '@dbaas/plugin-dbaas-common';
import {
  mariadbFlavor,
  postgresFlavor,
  until,
} from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import net from 'net';
import request from 'supertest';
import { appSql } from '../__testUtils__/appSql';
import { dockerFlavor, makeDataDir } from '../__testUtils__/fixtures';
import { as, deleteAll, getCredentials } from '../__testUtils__/managerApi';
import { startTestManager, TestManager } from '../testUtils';

jest.setTimeout(240_000);

const asAlice = as('alice');
const dockerHost = {
  hosts: [
    {
      name: 'local-docker',
      url: 'unix:///var/run/docker.sock',
      publishAddress: '127.0.0.1',
    },
  ],
};

/** Whether anything accepts a TCP connection on the port. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.each([
  ['local', 'postgresql', postgresFlavor],
  ['local', 'mariadb', mariadbFlavor],
  ['docker', 'postgresql', { ...dockerFlavor, memoryMiB: 512 }],
] as const)(
  'stop, start and restart on the %s runtime with %s',
  (runtime, engine, flavor: Flavor) => {
    let manager: TestManager;
    let dataDir: string;
    const api = (method: 'get' | 'post' | 'delete', url: string) =>
      request(manager.server)
        [method](`/api/dbaas${url}`)
        .set('Authorization', asAlice);
    const settled = (id: string) =>
      until(
        `${id}'s operation to end`,
        async () => (await api('get', `/instances/${id}`)).body as Instance,
        i => !i.operation && i.status !== 'provisioning',
        { timeoutMs: 120_000, intervalMs: 200 },
      );

    beforeAll(async () => {
      dataDir = makeDataDir(`operations-${runtime}-${engine}`);
      manager = await startTestManager({
        dataDir,
        dbaas: {
          flavors: [flavor],
          defaultRuntime: runtime,
          runtimes: runtime === 'docker' ? { docker: dockerHost } : {},
        },
      });
    });

    afterAll(async () => {
      await deleteAll(manager.server, 'alice');
      await manager.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('stops (port closed, data kept), refuses what does not fit the state, starts with the same rows, restarts, and rotates the credentials', async () => {
      const created = await api('post', '/instances').send({
        name: `ops-${runtime}-${engine.slice(0, 5)}`,
        owner: 'team-a',
        flavorId: flavor.id,
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      expect(await settled(id)).toMatchObject({ status: 'running' });
      const creds: Credentials = (
        await getCredentials(manager.server, asAlice, id)
      ).body;
      await appSql(engine, creds, 'CREATE TABLE kept (v TEXT)');
      await appSql(engine, creds, "INSERT INTO kept VALUES ('across a stop')");

      // a running backup is not cut short by a stop
      const backup = await api('post', `/instances/${id}/backups`);
      expect(backup.status).toBe(202);
      const refusedStop = await api('post', `/instances/${id}/stop`);
      expect(refusedStop.status).toBe(409);
      expect(refusedStop.body.error.message).toContain(
        `A backup of ${created.body.name} is running`,
      );
      await until(
        'the backup to end',
        async () => (await api('get', `/backups/${backup.body.id}`)).body,
        b => b.status !== 'running',
        { timeoutMs: 120_000, intervalMs: 200 },
      );

      const stop = await api('post', `/instances/${id}/stop`);
      expect(stop.status).toBe(202);
      expect(stop.body.operation).toMatchObject({
        type: 'stop',
        requestedBy: 'user:default/alice',
      });
      const again = await api('post', `/instances/${id}/start`);
      expect(again.status).toBe(409);
      expect(again.body.error.message).toContain('has a stop under way');

      expect(await settled(id)).toMatchObject({
        status: 'stopped',
        operation: null,
      });
      expect(await listening(creds.host, creds.port)).toBe(false);
      // a stopped database cannot get a final backup: the delete says so
      const del = await api('delete', `/instances/${id}`);
      expect(del.status).toBe(409);
      expect(del.body.error.message).toContain(
        'start it first, or delete with skipFinalBackup',
      );
      const restart = await api('post', `/instances/${id}/restart`);
      expect(restart.status).toBe(409);
      expect(restart.body.error.message).toBe(
        `Only a running database can be restarted; ${created.body.name} is stopped`,
      );
      // stopped on purpose: the health reconcile leaves it alone
      await new Promise(r => setTimeout(r, 1500));
      expect((await api('get', `/instances/${id}`)).body.status).toBe(
        'stopped',
      );

      expect((await api('post', `/instances/${id}/start`)).status).toBe(202);
      expect(await settled(id)).toMatchObject({
        status: 'running',
        health: 'healthy',
      });
      // (on Docker the published port may have moved: the credentials say where)
      const fresh = async () =>
        (await getCredentials(manager.server, asAlice, id)).body as Credentials;
      expect(await appSql(engine, await fresh(), 'SELECT v FROM kept')).toEqual(
        [{ v: 'across a stop' }],
      );

      expect((await api('post', `/instances/${id}/restart`)).status).toBe(202);
      expect(await settled(id)).toMatchObject({ status: 'running' });
      expect(await appSql(engine, await fresh(), 'SELECT v FROM kept')).toEqual(
        [{ v: 'across a stop' }],
      );
      // new credentials: the old password refused, the new one accepted, neither in the timeline
      const before = await fresh();
      const rotate = await api('post', `/instances/${id}/rotate-credentials`);
      expect(rotate.status).toBe(202);
      expect(rotate.body.operation).toMatchObject({
        type: 'rotate-credentials',
      });
      expect(await settled(id)).toMatchObject({ status: 'running' });
      const after = await fresh();
      expect(after.password).not.toBe(before.password);
      await expect(appSql(engine, before, 'SELECT 1')).rejects.toThrow();
      expect(await appSql(engine, after, 'SELECT v FROM kept')).toEqual([
        { v: 'across a stop' },
      ]);

      const events = (await api('get', `/instances/${id}/events`)).body.items;
      const timeline = JSON.stringify(events);
      expect(timeline).toContain(
        'credentials rotated as user:default/alice asked',
      );
      expect(timeline).not.toContain(after.password);
      expect(timeline).not.toContain(before.password);
      expect(
        events
          .filter((e: { type: string }) => e.type === 'status')
          .map((e: { message: string }) => e.message)
          .slice(-3),
      ).toEqual([
        'stopped: stopped as user:default/alice asked',
        'running: started as user:default/alice asked',
        'running: restarted as user:default/alice asked',
      ]);
    });
  },
);
