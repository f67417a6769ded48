import { Backup, Instance } from '@dbaas/plugin-dbaas-common';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { makeDataDir } from '../__testUtils__/fixtures';
import { as, deleteAll } from '../__testUtils__/managerApi';
import { startTestManager, TestManager } from '../testUtils';

jest.setTimeout(120_000);

const asAlice = as('alice');

describe('a final backup that cannot be taken', () => {
  let manager: TestManager;
  let dataDir: string;
  const api = (method: 'get' | 'post' | 'delete', url: string) =>
    request(manager.server)
      [method](`/api/dbaas${url}`)
      .set('Authorization', asAlice);

  beforeAll(async () => {
    dataDir = makeDataDir('final-backup');
    manager = await startTestManager({
      dataDir,
      dbaas: {
        backups: {
          store: { type: 'filesystem', directory: path.join(dataDir, 'store') },
        },
      },
    });
  });

  afterAll(async () => {
    // whatever a failed run left: deleted without a final backup, and waited for
    await deleteAll(manager.server, 'alice');
    await manager.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the database deleting, retried, until the owner deletes it without one', async () => {
    const created = await api('post', '/instances').send({
      name: 'stuck-db',
      owner: 'team-a',
      flavorId: 'postgresql-17-small',
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    await until(
      'stuck-db to run',
      async () => (await api('get', `/instances/${id}`)).body as Instance,
      i => i.status !== 'provisioning',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // the store cannot take an object any more
    const incoming = path.join(dataDir, 'store', '.incoming');
    fs.rmSync(incoming, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(incoming), { recursive: true });
    fs.writeFileSync(incoming, 'not a folder');

    expect((await api('delete', `/instances/${id}`)).status).toBe(202);
    const failed = await until(
      'the final backup to fail',
      async () =>
        (
          await api('get', `/instances/${id}/backups`)
        ).body.items as Backup[],
      items => items.some(b => b.status === 'failed'),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(failed[0]).toMatchObject({ trigger: 'final', status: 'failed' });
    const events = (await api('get', `/instances/${id}/events`)).body.items;
    expect(events.map((e: { message: string }) => e.message)).toContainEqual(
      expect.stringContaining(
        'delete with skipFinalBackup to go on without one',
      ),
    );
    expect((await api('get', `/instances/${id}`)).body.status).toBe('deleting');

    const skipped = await api(
      'delete',
      `/instances/${id}?skipFinalBackup=true`,
    );
    expect(skipped.status).toBe(202);
    await until(
      'stuck-db to be deleted',
      async () => (await api('get', `/instances/${id}`)).status,
      status => status === 404,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });
});
