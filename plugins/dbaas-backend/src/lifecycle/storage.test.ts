import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import { Credentials, Flavor, Instance } from '@dbaas/plugin-dbaas-common';
import { containerName } from '@dbaas/plugin-dbaas-node';
import {
  mariadbFlavor,
  postgresFlavor,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { execFileSync } from 'child_process';
import Docker from 'dockerode';
import path from 'path';
import { appSql } from '../__testUtils__/appSql';
import { dockerFlavor } from '../__testUtils__/fixtures';
import { as, getCredentials } from '../__testUtils__/managerApi';
import { dayTwoManager } from './__testUtils__/dayTwoManager';
import { intervalSchedulerFactory } from './__testUtils__/intervalScheduler';

jest.setTimeout(300_000);

const asAlice = as('alice');
const MIB = 1024 ** 2;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/**
 * Takes `mib` of the instance's storage with a real allocated file, as data would (without
 * writing it all): in the local server's folder, or in the container's data directory.
 */
async function fill(
  runtime: 'local' | 'docker',
  dataDir: string,
  id: string,
  engine: string,
  mib: number,
) {
  const name = `filler-${Date.now()}`;
  if (runtime === 'local') {
    execFileSync('fallocate', ['-l', `${mib}M`, path.join(dataDir, id, name)]);
    return;
  }
  const dataPath =
    engine === 'postgresql' ? '/var/lib/postgresql/data' : '/var/lib/mysql';
  const exec = await docker.getContainer(containerName(id)).exec({
    Cmd: ['fallocate', '-l', `${mib}M`, `${dataPath}/${name}`],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  await new Promise(resolve => stream.on('end', resolve).resume());
  expect((await exec.inspect()).ExitCode).toBe(0);
}

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
  'storage on the %s runtime with %s',
  (runtime, engine, flavor: Flavor) => {
    const sent: NotificationSendOptions[] = [];
    const h = dayTwoManager('storage', runtime, flavor, {
      features: [
        // the reconcile measures storage every second
        intervalSchedulerFactory(0.2),
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({
            send: async (options: NotificationSendOptions) => {
              sent.push(options);
            },
          }),
        }),
      ],
      dbaas: { reconcile: { intervalSeconds: 5 } },
    });
    const { api } = h;
    const instanceUntil = (
      id: string,
      what: string,
      done: (i: Instance) => boolean,
    ) => h.until(id, what, done);
    beforeAll(() => h.start());
    afterAll(() => h.stop());

    it('measures used storage, grows it by itself at 80 %, goes read-only at its cap, and takes writes again once resized', async () => {
      const created = await api('post', '/instances').send({
        name: `storage-${runtime}-${engine.slice(0, 5)}`,
        owner: 'team-a',
        flavorId: flavor.id,
        storageGiB: 1,
        storage: { autoGrow: true, maxGiB: 2 },
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      const measured = await instanceUntil(
        id,
        'a storage measurement',
        i => i.status === 'running' && i.storage?.usedBytes !== null,
      );
      expect(measured.storage).toMatchObject({
        autoGrow: true,
        maxGiB: 2,
        state: 'ok',
        readOnly: false,
      });
      expect(measured.storage!.usedBytes).toBeGreaterThan(MIB);
      const creds: Credentials = (
        await getCredentials(h.manager.server, asAlice, id)
      ).body;
      await appSql(engine, creds, 'CREATE TABLE kept (v TEXT)');
      await appSql(engine, creds, "INSERT INTO kept VALUES ('before')");

      // past 80 % of 1 GiB: it grows by 1 GiB (10 % is less) and the owner hears of it
      await fill(runtime, h.dataDir, id, engine, 900);
      const grown = await instanceUntil(
        id,
        'the storage to grow to 2 GiB',
        i =>
          i.storageGiB === 2 &&
          !i.operation &&
          i.storage?.state === 'ok' &&
          !i.storage.readOnly,
      );
      expect(grown.status).toBe('running');
      expect(
        sent.find(n =>
          n.payload.description?.includes('growing it from 1 to 2 GiB'),
        ),
      ).toMatchObject({
        recipients: { type: 'entity', entityRef: 'group:default/team-a' },
      });

      // past 2 GiB, its cap: read-only, and the owner is told so
      await fill(runtime, h.dataDir, id, engine, 1300);
      const full = await instanceUntil(
        id,
        'the storage to be full',
        i => i.storage?.readOnly === true && i.storage.usedPercent! >= 100,
      );
      expect(full.storageGiB).toBe(2);
      expect(full.storage).toMatchObject({ state: 'full', readOnly: true });
      expect(full.storage!.usedPercent).toBeGreaterThanOrEqual(100);
      expect(sent.find(n => n.payload.severity === 'high')).toMatchObject({
        payload: {
          title: `Database ${created.body.name}: storage full`,
          description: expect.stringContaining('read-only'),
        },
      });
      await expect(
        appSql(engine, creds, "INSERT INTO kept VALUES ('refused')"),
      ).rejects.toThrow(/read-only|read only/i);

      // what does not fit is refused, naming why
      const shrink = await api('patch', `/instances/${id}`).send({
        storageGiB: 1,
      });
      expect(shrink.status).toBe(409);
      expect(shrink.body.error.message).toContain('storage only grows');
      const tooBig = await api('patch', `/instances/${id}`).send({
        storageGiB: 99,
      });
      expect(tooBig.status).toBe(400);
      expect(tooBig.body.error.message).toContain(
        `storageGiB: must be at most 5 GiB for flavor ${flavor.id}`,
      );
      const badMax = await api('patch', `/instances/${id}`).send({
        storage: { maxGiB: 1 },
      });
      expect(badMax.status).toBe(400);
      expect(badMax.body.error.message).toContain('storage.maxGiB');

      // the owner grows it past the cap: writes are accepted again, the rows are all there
      const resize = await api('patch', `/instances/${id}`).send({
        storageGiB: 4,
      });
      expect(resize.status).toBe(200);
      expect(resize.body.operation).toMatchObject({
        type: 'resize-storage',
        storageGiB: 4,
      });
      const resized = await instanceUntil(
        id,
        'the resize to end',
        i => i.storageGiB === 4 && !i.operation,
      );
      expect(resized.storage).toMatchObject({ readOnly: false, state: 'ok' });
      await appSql(engine, creds, "INSERT INTO kept VALUES ('after')");
      expect(
        await appSql(engine, creds, 'SELECT v FROM kept ORDER BY v'),
      ).toEqual([{ v: 'after' }, { v: 'before' }]);

      const events = (await api('get', `/instances/${id}/events`)).body.items;
      expect(events.map((e: { message: string }) => e.message)).toEqual(
        expect.arrayContaining([
          expect.stringContaining('growing it from 1 to 2 GiB'),
          expect.stringContaining('storage grown from 1 to 2 GiB'),
          expect.stringContaining('read-only until its storage grows'),
          expect.stringContaining('storage grown from 2 to 4 GiB'),
        ]),
      );
    });
  },
);
