import { mockServices } from '@backstage/backend-test-utils';
import { Credentials, Flavor, Instance } from '@dbaas/plugin-dbaas-common';
import { containerName } from '@dbaas/plugin-dbaas-node';
import {
  mariadbFlavor,
  postgresFlavor,
  until,
} from '@dbaas/plugin-dbaas-node/testUtils';
import Docker from 'dockerode';
import fs from 'fs';
import knexFactory, { Knex } from 'knex';
import path from 'path';
import request from 'supertest';
import { appSql } from '../__testUtils__/appSql';
import { dockerFlavor, makeDataDir } from '../__testUtils__/fixtures';
import { as, deleteAll, getCredentials } from '../__testUtils__/managerApi';
import { startTestManager, TestManager } from '../testUtils';

jest.setTimeout(300_000);

const asAlice = as('alice');
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const MIB = 1024 * 1024;
const dockerRuntime = {
  docker: {
    hosts: [
      {
        name: 'local-docker',
        url: 'unix:///var/run/docker.sock',
        publishAddress: '127.0.0.1',
      },
    ],
  },
};

async function shown(creds: Credentials, name: string) {
  const [row] = await appSql('postgresql', creds, `SHOW ${name}`);
  return row[name];
}

describe('changing flavor and upgrading', () => {
  let manager: TestManager | undefined;
  let dataDir: string;
  let knex: Knex;
  const api = (method: 'get' | 'post' | 'patch', url: string) =>
    request(manager!.server)
      [method](`/api/dbaas${url}`)
      .set('Authorization', asAlice);
  const idle = (id: string) =>
    until(
      'the operation to end',
      async () => (await api('get', `/instances/${id}`)).body as Instance,
      i => !i.operation && i.status === 'running',
      { timeoutMs: 180_000, intervalMs: 250 },
    );
  const creds = async (id: string): Promise<Credentials> =>
    (await getCredentials(manager!.server, asAlice, id)).body;
  const start = async (flavors: Flavor[], runtime: string) => {
    manager = await startTestManager({
      dataDir,
      dbaas: {
        flavors,
        defaultRuntime: runtime,
        runtimes: runtime === 'docker' ? dockerRuntime : {},
      },
      features: [mockServices.database.factory({ knex })],
    });
  };

  beforeEach(() => {
    dataDir = makeDataDir('replacement');
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dataDir, 'store.sqlite') },
      useNullAsDefault: true,
    });
  });

  afterEach(async () => {
    if (manager) {
      await deleteAll(manager.server, 'alice');
      await manager.stop();
      manager = undefined;
    }
    await knex.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives a Docker database another flavor (limits, tuning) on the same data, upgrades it to its flavor’s new image after a backup, and leaves it running as it was when the image cannot be had', async () => {
    const small = { ...dockerFlavor, id: 'pg15-small', memoryMiB: 512, cpu: 1 };
    const medium = {
      ...dockerFlavor,
      id: 'pg15-medium',
      memoryMiB: 1024,
      cpu: 2,
    };
    const other = { ...mariadbFlavor, id: 'mariadb-docker', memoryMiB: 512 };
    await start([small, medium, other], 'docker');
    const created = await api('post', '/instances').send({
      name: 'replaced-db',
      owner: 'team-a',
      flavorId: small.id,
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    expect((await idle(id)).image).toBe(dockerFlavor.image);
    await appSql('postgresql', await creds(id), 'CREATE TABLE kept (v TEXT)');
    await appSql(
      'postgresql',
      await creds(id),
      "INSERT INTO kept VALUES ('row')",
    );

    // what does not fit names the flavors that do
    const wrong = await api('patch', `/instances/${id}`).send({
      flavorId: other.id,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain(
      `flavorId: flavor ${other.id} is mariadb 10.11`,
    );
    expect(wrong.body.error.message).toContain(`can change to: ${medium.id}`);

    const change = await api('patch', `/instances/${id}`).send({
      flavorId: medium.id,
    });
    expect(change.status).toBe(200);
    expect(change.body.operation).toMatchObject({
      type: 'change-flavor',
      target: medium.id,
    });
    const changed = await idle(id);
    expect(changed.flavorId).toBe(medium.id);
    const info = await docker.getContainer(containerName(id)).inspect();
    expect(info.HostConfig.Memory).toBe(1024 * MIB);
    expect(info.HostConfig.NanoCpus).toBe(2e9);
    expect(info.Config.Labels['dbaas.backstage.io/flavor']).toBe(medium.id);
    expect(await shown(await creds(id), 'shared_buffers')).toBe('256MB');
    expect(
      await appSql('postgresql', await creds(id), 'SELECT v FROM kept'),
    ).toEqual([{ v: 'row' }]);

    // nothing to upgrade to yet
    const same = await api('post', `/instances/${id}/upgrade`);
    expect(same.status).toBe(409);
    expect(same.body.error.message).toContain('nothing to upgrade');

    // the flavor's image moves on: the upgrade backs up, then makes the server from it
    const next = 'dbaas/postgresql:15-upgrade-test';
    await docker
      .getImage(dockerFlavor.image)
      .tag({ repo: 'dbaas/postgresql', tag: '15-upgrade-test' });
    try {
      await manager!.stop();
      await start([small, { ...medium, image: next }, other], 'docker');
      const upgrade = await api('post', `/instances/${id}/upgrade`);
      expect(upgrade.status).toBe(202);
      expect((await idle(id)).image).toBe(next);
      const upgraded = await docker.getContainer(containerName(id)).inspect();
      expect(upgraded.Config.Image).toBe(next);
      expect(
        await appSql('postgresql', await creds(id), 'SELECT v FROM kept'),
      ).toEqual([{ v: 'row' }]);
      const events = (await api('get', `/instances/${id}/events`)).body.items;
      const messages = events.map((e: { message: string }) => e.message);
      const backedUp = messages.findIndex((m: string) =>
        m.includes('taken before the upgrade'),
      );
      const done = messages.findIndex((m: string) =>
        m.includes(`upgraded from ${dockerFlavor.image} to ${next}`),
      );
      expect(backedUp).toBeGreaterThan(-1);
      expect(done).toBeGreaterThan(backedUp);

      // an image that cannot be had: the upgrade fails typed, the server runs on as it was
      const missing = '127.0.0.1:5000/dbaas/postgresql:no-such-tag';
      await manager!.stop();
      await start([small, { ...medium, image: missing }, other], 'docker');
      expect((await api('post', `/instances/${id}/upgrade`)).status).toBe(202);
      const failed = await idle(id);
      expect(failed.image).toBe(next);
      expect(
        (await docker.getContainer(containerName(id)).inspect()).State.Running,
      ).toBe(true);
      expect(
        await appSql('postgresql', await creds(id), 'SELECT v FROM kept'),
      ).toEqual([{ v: 'row' }]);
      const { lastError } = (await api('get', `/instances/${id}/metrics`)).body;
      expect(lastError).toMatchObject({
        code: 'IMAGE_PULL',
        message: expect.stringContaining(`upgrade failed: Image ${missing}`),
      });
    } finally {
      await deleteAll(manager!.server, 'alice');
      await docker
        .getImage(next)
        .remove({ noprune: true })
        .catch(() => {});
    }
  });

  it('gives a local PostgreSQL database a larger flavor: the new memory settings after a restart, the same data', async () => {
    const larger = { ...postgresFlavor, id: 'pg17-larger', memoryMiB: 512 };
    await start([postgresFlavor, larger], 'local');
    const created = await api('post', '/instances').send({
      name: 'grown-db',
      owner: 'team-a',
      flavorId: postgresFlavor.id,
    });
    const id = created.body.id;
    await idle(id);
    await appSql('postgresql', await creds(id), 'CREATE TABLE kept (v TEXT)');
    await appSql(
      'postgresql',
      await creds(id),
      "INSERT INTO kept VALUES ('row')",
    );
    expect(await shown(await creds(id), 'shared_buffers')).toBe('64MB');
    const both = await api('patch', `/instances/${id}`).send({
      flavorId: larger.id,
      parameters: { work_mem: 12 },
    });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain('parameters, flavorId: each');
    await api('patch', `/instances/${id}`).send({
      parameters: { work_mem: 12 },
    });
    await idle(id);
    expect(
      (await api('patch', `/instances/${id}`).send({ flavorId: larger.id }))
        .status,
    ).toBe(200);
    expect((await idle(id)).flavorId).toBe(larger.id);
    expect(await shown(await creds(id), 'shared_buffers')).toBe('128MB');
    // the owner's parameter stays over the new flavor's tuning
    expect(await shown(await creds(id), 'work_mem')).toBe('12MB');
    expect(
      await appSql('postgresql', await creds(id), 'SELECT v FROM kept'),
    ).toEqual([{ v: 'row' }]);
  });
});
