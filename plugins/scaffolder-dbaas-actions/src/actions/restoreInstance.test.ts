import { Backup, Instance } from '@dbaas/plugin-dbaas-common';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { TaskCheckpoints } from './__testUtils__/TaskCheckpoints';
import { createRestoreInstanceAction } from './restoreInstance';

const appBaseUrl = 'http://localhost:3000';

function source(overrides: Partial<Instance> = {}): Instance {
  return {
    ...new FakeManager().base(),
    id: 'src-1',
    name: 'orders-db',
    owner: 'group:default/team-a',
    flavorId: 'postgresql-17-small',
    storageGiB: 8,
    status: 'running',
    health: 'healthy',
    phase: null,
    ...overrides,
  };
}

function backup(overrides: Partial<Backup>): Backup {
  return {
    id: 'b-1',
    instanceId: 'src-1',
    kind: 'full',
    trigger: 'scheduled',
    status: 'completed',
    size: 1024,
    sha256: null,
    startedAt: '2026-11-28T00:00:00.000Z',
    completedAt: '2026-11-28T00:01:00.000Z',
    restorableFrom: '2026-11-28T00:01:00.000Z',
    requestedBy: 'dbaas',
    fault: null,
    ...overrides,
  };
}

const running: Partial<Instance> = {
  name: 'orders-db-restored',
  status: 'running',
  health: 'healthy',
  phase: null,
  host: '10.0.0.9',
  endpoint: { host: '10.0.0.9', port: 5433, database: 'orders', user: 'app' },
};

/** A Manager that has the source orders-db, on which the restored instance becomes running. */
function managerWithSource(extra: Partial<Instance> = {}) {
  const manager = new FakeManager();
  manager.others = [source(extra)];
  manager.states = [
    { name: 'orders-db-restored', phase: 'engine_starting' },
    running,
  ];
  return manager;
}

const input = {
  name: 'orders-db-restored',
  source: 'orders-db',
  backupId: 'b-7',
};

type Input = Parameters<
  ReturnType<typeof createRestoreInstanceAction>['handler']
>[0]['input'];

function context(
  values: Record<string, unknown> = input,
  overrides: Record<string, unknown> = {},
) {
  return mockContext(values as Input, overrides);
}

describe('dbaas:instance:restore', () => {
  it("restores a backup on behalf of the user with the source's owner and flavor, waits until running and outputs the endpoint", async () => {
    const manager = managerWithSource();
    const action = createRestoreInstanceAction({ manager, appBaseUrl });
    const ctx = context(input, { task: { id: 'task-7' } });

    await action.handler(ctx);

    expect(manager.called('createInstance')).toEqual([
      {
        method: 'createInstance',
        args: [
          {
            name: 'orders-db-restored',
            owner: 'group:default/team-a',
            flavorId: 'postgresql-17-small',
            storageGiB: 8,
            runtime: undefined,
            restoreFrom: { backupId: 'b-7' },
          },
          { token: 'token-for-alice', idempotencyKey: 'task-7/mock-step-id' },
        ],
        token: 'token-for-alice',
      },
    ]);
    expect(ctx.output).toHaveBeenCalledWith('instanceId', 'i-1');
    expect(ctx.output).toHaveBeenCalledWith('name', 'orders-db-restored');
    expect(ctx.output).toHaveBeenCalledWith('host', '10.0.0.9');
    expect(ctx.output).toHaveBeenCalledWith('port', 5433);
    expect(ctx.output).toHaveBeenCalledWith('database', 'orders');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'resource:default/orders-db-restored',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'instanceUrl',
      'http://localhost:3000/dbaas/instances/i-1',
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Restoring backup b-7 of orders-db into database orders-db-restored (id i-1)',
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /^orders-db-restored: provisioning, phase engine_starting, health unknown \(\d+ s\)$/,
      ),
    );
  });

  it('creates nothing when a checkpoint of an earlier run of the task holds the instance', async () => {
    const manager = managerWithSource();
    const action = createRestoreInstanceAction({ manager, appBaseUrl });
    const task = new TaskCheckpoints();
    await action.handler(context(input, { checkpoint: task.run('restore') }));

    const retried = context(input, { checkpoint: task.run('restore') });
    await action.handler(retried);

    expect(manager.called('createInstance')).toHaveLength(1);
    expect(retried.output).toHaveBeenCalledWith('instanceId', 'i-1');
    expect([...task.saved.keys()]).toEqual([
      'v1.task.checkpoint.restore.dbaas.instance.restore.orders-db-restored',
    ]);
  });

  it('validates with the Manager on a dry run and creates nothing', async () => {
    const manager = managerWithSource();
    const action = createRestoreInstanceAction({ manager, appBaseUrl });
    const ctx = context(input, { isDryRun: true });

    await action.handler(ctx);

    expect(manager.called('createInstance')[0].args[1]).toEqual({
      token: 'token-for-alice',
      dryRun: true,
    });
    expect(ctx.output).toHaveBeenCalledWith('instanceId', 'dry-run');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'resource:default/orders-db-restored',
    );
  });

  it("fails with the instance's fault when the restore fails", async () => {
    const manager = managerWithSource();
    manager.states = [
      {
        name: 'orders-db-restored',
        status: 'failed',
        phase: null,
        fault: {
          phase: 'engine_starting',
          code: 'RESTORE_OUTSIDE_WINDOW',
          message: 'the log ends before 2026-11-29T10:15:00Z',
        },
      },
    ];
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    await expect(action.handler(context())).rejects.toThrow(
      'Database orders-db-restored failed in phase engine_starting: RESTORE_OUTSIDE_WINDOW the log ends before 2026-11-29T10:15:00Z',
    );
  });

  it('deletes the new instance when the task is cancelled while waiting', async () => {
    const manager = managerWithSource();
    manager.states = [{ phase: 'engine_starting' }];
    const controller = new AbortController();
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    const run = action.handler(context(input, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('task cancelled')), 50);

    await expect(run).rejects.toThrow('task cancelled');
    expect(manager.called('deleteInstance').map(c => c.args)).toEqual([
      ['i-1'],
    ]);
  });

  it('restores the source by id as of a point in time, with the given owner, flavor and runtime', async () => {
    const manager = managerWithSource();
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    await action.handler(
      context({
        name: 'orders-db-restored',
        owner: 'group:default/team-b',
        source: 'src-1',
        pointInTime: '2026-11-29T10:15:00Z',
        flavorId: 'postgresql-17-medium',
        runtime: 'docker',
      }),
    );

    expect(manager.called('listInstances')).toEqual([]);
    expect(manager.called('createInstance')[0].args[0]).toEqual({
      name: 'orders-db-restored',
      owner: 'group:default/team-b',
      flavorId: 'postgresql-17-medium',
      // another flavor: its own default storage
      storageGiB: undefined,
      runtime: 'docker',
      restoreFrom: { instanceId: 'src-1', pointInTime: '2026-11-29T10:15:00Z' },
    });
  });

  it("takes the source's newest completed backup for backupId 'latest'", async () => {
    const manager = managerWithSource();
    manager.backups = [
      backup({
        id: 'b-running',
        status: 'running',
        startedAt: '2026-11-29T00:00:00.000Z',
        completedAt: null,
      }),
      backup({ id: 'b-new', completedAt: '2026-11-28T12:01:00.000Z' }),
      backup({ id: 'b-old', completedAt: '2026-11-27T00:01:00.000Z' }),
    ];
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    await action.handler(context({ ...input, backupId: 'latest' }));

    expect(manager.called('listBackups').map(c => c.args)).toEqual([['src-1']]);
    expect(manager.called('createInstance')[0].args[0]).toMatchObject({
      restoreFrom: { backupId: 'b-new' },
    });
  });

  it("fails clearly for 'latest' when the source has no completed backup", async () => {
    const manager = managerWithSource();
    manager.backups = [backup({ status: 'failed', completedAt: null })];
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    await expect(
      action.handler(context({ ...input, backupId: 'latest' })),
    ).rejects.toThrow(
      'backupId: database orders-db has no completed backup yet',
    );
    expect(manager.called('createInstance')).toEqual([]);
  });

  it('finds a deleted source by name, whose backups are kept', async () => {
    const manager = managerWithSource({ status: 'deleted' });
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    await action.handler(context());

    expect(manager.called('listInstances').map(c => c.args[0])).toEqual([
      { name: 'orders-db' },
      { name: 'orders-db', status: ['deleted'] },
    ]);
    expect(manager.called('createInstance')).toHaveLength(1);
  });

  it('finds the source by its catalog entity ref', async () => {
    const manager = managerWithSource();
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    await action.handler(
      context({ ...input, source: 'resource:default/orders-db' }),
    );

    expect(manager.called('listInstances').map(c => c.args[0])).toEqual([
      { name: 'orders-db' },
    ]);
    expect(manager.called('createInstance')[0].args[0]).toMatchObject({
      owner: 'group:default/team-a',
    });
  });

  it('fails when no database has that name or id', async () => {
    const manager = managerWithSource();
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    await expect(
      action.handler(context({ ...input, source: 'billing-db' })),
    ).rejects.toThrow(
      "source: no database named or with id 'billing-db' that you may read",
    );
  });

  it.each([
    [
      'neither',
      { name: 'x-db', source: 'orders-db' },
      "restore: give either backupId (a backup id, or 'latest') or pointInTime (an ISO 8601 date-time)",
    ],
    [
      'neither (empty template fields)',
      { name: 'x-db', source: 'orders-db', backupId: '', pointInTime: '' },
      "restore: give either backupId (a backup id, or 'latest') or pointInTime (an ISO 8601 date-time)",
    ],
    [
      'both',
      {
        name: 'x-db',
        source: 'orders-db',
        backupId: 'b-7',
        pointInTime: '2026-11-29T10:15:00Z',
      },
      'restore: give backupId or pointInTime, not both',
    ],
    [
      'a point in time that is no date',
      { name: 'x-db', source: 'orders-db', pointInTime: 'yesterday' },
      "pointInTime: must be an ISO 8601 date-time, e.g. 2026-11-29T10:15:00Z (got 'yesterday')",
    ],
  ])('refuses %s and creates nothing', async (_what, values, message) => {
    const manager = managerWithSource();
    const action = createRestoreInstanceAction({ manager, appBaseUrl });

    await expect(action.handler(context(values))).rejects.toThrow(message);
    expect(manager.called('createInstance')).toEqual([]);
  });
});
