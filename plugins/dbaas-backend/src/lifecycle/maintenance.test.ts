import { Credentials, Instance } from '@dbaas/plugin-dbaas-common';
import { postgresFlavor, until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import request from 'supertest';
import { appSql } from '../__testUtils__/appSql';
import { makeDataDir } from '../__testUtils__/fixtures';
import { as, deleteAll, getCredentials } from '../__testUtils__/managerApi';
import { startTestManager, TestManager } from '../testUtils';
import { intervalSchedulerFactory } from './__testUtils__/intervalScheduler';

jest.setTimeout(180_000);

const asAlice = as('alice');

describe('maintenance windows', () => {
  let manager: TestManager;
  let dataDir: string;
  const api = (method: 'get' | 'post' | 'patch' | 'delete', url: string) =>
    request(manager.server)
      [method](`/api/dbaas${url}`)
      .set('Authorization', asAlice);
  const instance = async (id: string) =>
    (await api('get', `/instances/${id}`)).body as Instance;

  beforeAll(async () => {
    dataDir = makeDataDir('maintenance');
    manager = await startTestManager({
      dataDir,
      // the maintenance task (every minute) runs every 3 s
      features: [intervalSchedulerFactory(0.05)],
      dbaas: { flavors: [postgresFlavor] },
    });
  });

  afterAll(async () => {
    await deleteAll(manager.server, 'alice');
    await manager.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a restart or a parameter change for the window, runs it once the window opens, and can cancel it', async () => {
    const created = await api('post', '/instances').send({
      name: 'maintained-db',
      owner: 'team-a',
      flavorId: postgresFlavor.id,
    });
    const id = created.body.id;
    await until(
      'running',
      () => instance(id),
      i => i.status === 'running',
      {
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    const creds = async (): Promise<Credentials> =>
      (await getCredentials(manager.server, asAlice, id)).body;

    const noWindow = await api(
      'post',
      `/instances/${id}/restart?applyAt=next-window`,
    );
    expect(noWindow.status).toBe(409);
    expect(noWindow.body.error.message).toContain('has no maintenance window');
    const badWindow = await api('patch', `/instances/${id}`).send({
      maintenanceWindow: { day: 'someday', hour: 25, durationHours: 1 },
    });
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.error.message).toContain('maintenanceWindow');

    // a window two hours from now: the restart waits
    const later = (new Date().getUTCHours() + 2) % 24;
    expect(
      (
        await api('patch', `/instances/${id}`).send({
          maintenanceWindow: { day: 'daily', hour: later, durationHours: 1 },
        })
      ).status,
    ).toBe(200);
    const scheduled = await api(
      'post',
      `/instances/${id}/restart?applyAt=next-window`,
    );
    expect(scheduled.status).toBe(202);
    expect(scheduled.body.operation ?? null).toBeNull();
    expect(scheduled.body.scheduledOperation.operation).toMatchObject({
      type: 'restart',
      requestedBy: 'user:default/alice',
    });
    expect(
      new Date(scheduled.body.scheduledOperation.nextWindowAt).getUTCHours(),
    ).toBe(later);
    const [{ started }] = await appSql(
      'postgresql',
      await creds(),
      'SELECT pg_postmaster_start_time()::text AS started',
    );
    await new Promise(resolve => setTimeout(resolve, 7000)); // two runs of the task
    const waiting = await instance(id);
    expect(waiting.operation ?? null).toBeNull();
    expect(waiting.scheduledOperation?.operation.type).toBe('restart');
    expect(
      (
        await appSql(
          'postgresql',
          await creds(),
          'SELECT pg_postmaster_start_time()::text AS started',
        )
      )[0].started,
    ).toBe(started);
    const twice = await api(
      'post',
      `/instances/${id}/restart?applyAt=next-window`,
    );
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toContain(
      'waits for the maintenance window already',
    );
    expect(
      (await api('patch', `/instances/${id}`).send({ maintenanceWindow: null }))
        .status,
    ).toBe(409);

    // cancelled; then a parameter change that needs a restart waits for the window instead
    const cancelled = await api(
      'delete',
      `/instances/${id}/scheduled-operation`,
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.scheduledOperation).toBeNull();
    const deferred = await api('patch', `/instances/${id}`).send({
      parameters: { max_connections: 60 },
      applyAt: 'next-window',
    });
    expect(deferred.status).toBe(200);
    expect(deferred.body.scheduledOperation.operation).toMatchObject({
      type: 'set-parameters',
      parameters: { max_connections: 60 },
    });

    // the window opens (it is this hour now): the change runs, with its restart
    const now = new Date().getUTCHours();
    await api('patch', `/instances/${id}`).send({
      maintenanceWindow: { day: 'daily', hour: now, durationHours: 2 },
    });
    const done = await until(
      'the scheduled change to run',
      () => instance(id),
      i =>
        !i.scheduledOperation &&
        !i.operation &&
        i.parameters?.max_connections === 60,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(done.status).toBe('running');
    const [{ max_connections }] = await appSql(
      'postgresql',
      await creds(),
      'SHOW max_connections',
    );
    expect(max_connections).toBe('60');
    const events = (await api('get', `/instances/${id}/events`)).body.items;
    expect(events.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'restart scheduled by user:default/alice for the maintenance window',
        ),
        expect.stringContaining(
          'restart scheduled for the maintenance window cancelled',
        ),
        expect.stringContaining(
          'maintenance window open: the set-parameters user:default/alice scheduled starts',
        ),
      ]),
    );
  });
});
