import { ResponseError } from '@backstage/errors';
import { Instance, PendingOperationType } from '@dbaas/plugin-dbaas-common';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { TaskCheckpoints } from './__testUtils__/TaskCheckpoints';
import { createUpdateInstanceAction } from './updateInstance';

type Input = Parameters<
  ReturnType<typeof createUpdateInstanceAction>['handler']
>[0]['input'];

const pending = (type: PendingOperationType): Partial<Instance> => ({
  operation: {
    type,
    requestedBy: 'user:default/alice',
    requestedAt: '2026-11-26T10:00:00.000Z',
  },
});

const running: Partial<Instance> = {
  status: 'running',
  phase: null,
  health: 'healthy',
};

function context(input: Input, overrides: Record<string, unknown> = {}) {
  return mockContext(input, overrides);
}

/** The outputs the action set, by name. */
function outputs(ctx: ReturnType<typeof context>) {
  return Object.fromEntries(
    (ctx.output as jest.Mock).mock.calls as [string, unknown][],
  );
}

describe('dbaas:instance:update', () => {
  it('grows the storage as the initiator, waits until the resize is done and outputs the instance', async () => {
    const manager = new FakeManager();
    manager.states = [
      running,
      { ...running, ...pending('resize-storage') },
      { ...running, storageGiB: 10 },
    ];
    const action = createUpdateInstanceAction({ manager });
    const ctx = context({ instance: 'i-1', storageGiB: 10 });

    await action.handler(ctx);

    expect(manager.called('updateInstance')).toEqual([
      {
        method: 'updateInstance',
        args: ['i-1', { storageGiB: 10 }],
        token: 'token-for-alice',
      },
    ]);
    expect(manager.calls.every(c => c.token === 'token-for-alice')).toBe(true);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Asked to change database orders-db (id i-1): storage 5 → 10 GiB',
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /^orders-db: running, health healthy, resize-storage under way \(\d+ s\)$/,
      ),
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Database orders-db: the resize-storage is done (flavor postgresql-17-small, 10 GiB)',
    );
    expect(outputs(ctx)).toEqual({
      instanceId: 'i-1',
      flavorId: 'postgresql-17-small',
      storageGiB: 10,
      parameters: {},
    });
  });

  it('finds the database by its entity ref and sets parameters with the maintenance window and storage growth', async () => {
    const manager = new FakeManager();
    const found = { ...manager.base(), ...running } as Instance;
    manager.others = [];
    manager.api.getInstance = async id => {
      manager.calls.push({ method: 'getInstance', args: [id] });
      if (id !== 'i-1') {
        throw await ResponseError.fromResponse(
          new Response('{}', { status: 404 }),
        );
      }
      return { ...found, parameters: { max_connections: 200 } };
    };
    manager.api.listInstances = async query => {
      manager.calls.push({ method: 'listInstances', args: [query] });
      return { items: [found], totalCount: 1 };
    };
    const action = createUpdateInstanceAction({ manager });
    const ctx = context({
      instance: 'resource:default/orders-db',
      parameters: { max_connections: 200, work_mem: null },
      maintenanceWindow: { day: 'sunday', hour: 2, durationHours: 2 },
      storage: { autoGrow: true, maxGiB: 50 },
    });

    await action.handler(ctx);

    expect(manager.called('listInstances')[0].args).toEqual([
      { name: 'orders-db' },
    ]);
    expect(manager.called('updateInstance')[0].args).toEqual([
      'i-1',
      {
        parameters: { max_connections: 200, work_mem: null },
        maintenanceWindow: { day: 'sunday', hour: 2, durationHours: 2 },
        storage: { autoGrow: true, maxGiB: 50 },
      },
    ]);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Asked to change database orders-db (id i-1): parameters max_connections=200, work_mem=default; ' +
        'storage growth on, up to 50 GiB; maintenance window sunday 02:00 UTC for 2 h',
    );
    expect(outputs(ctx)).toEqual({
      instanceId: 'i-1',
      flavorId: 'postgresql-17-small',
      storageGiB: 5,
      parameters: { max_connections: 200 },
    });
  });

  it("fails the step with the Manager's message when the change failed", async () => {
    const manager = new FakeManager();
    manager.states = [
      running,
      { ...running, ...pending('change-flavor') },
      running,
    ];
    manager.events = [
      {
        id: 7,
        instanceId: 'i-1',
        at: '2026-11-26T10:00:04.000Z',
        type: 'fault',
        message:
          'change-flavor failed: HOST_UNAVAILABLE: no capacity for t3.large',
        actor: 'dbaas',
        data: { operation: 'change-flavor', code: 'HOST_UNAVAILABLE' },
      },
    ];
    const action = createUpdateInstanceAction({ manager });
    const ctx = context({ instance: 'i-1', flavorId: 'postgresql-17-large' });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Database orders-db: change-flavor failed: HOST_UNAVAILABLE: no capacity for t3.large',
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('ignores a fault of another operation, or one from before the change was asked', async () => {
    const manager = new FakeManager();
    manager.states = [
      running,
      { ...running, ...pending('set-parameters') },
      { ...running, parameters: { work_mem: 16 } },
    ];
    manager.events = [
      {
        id: 1,
        instanceId: 'i-1',
        at: '2026-11-26T09:00:00.000Z',
        type: 'fault',
        message: 'set-parameters failed: an older one',
        actor: 'dbaas',
        data: { operation: 'set-parameters', code: 'ENGINE_FAILED' },
      },
      {
        id: 2,
        instanceId: 'i-1',
        at: '2026-11-26T10:00:01.000Z',
        type: 'fault',
        message: 'rotate-credentials failed: not this one',
        actor: 'dbaas',
        data: { operation: 'rotate-credentials', code: 'ENGINE_FAILED' },
      },
    ];
    const action = createUpdateInstanceAction({ manager });
    const ctx = context({ instance: 'i-1', parameters: { work_mem: 16 } });

    await action.handler(ctx);

    expect(outputs(ctx).parameters).toEqual({ work_mem: 16 });
  });

  it('schedules a flavor change for the next maintenance window without waiting for it', async () => {
    const manager = new FakeManager();
    manager.states = [running];
    const action = createUpdateInstanceAction({ manager });
    const ctx = context({
      instance: 'i-1',
      flavorId: 'postgresql-17-medium',
      applyAt: 'next-window',
    });

    await action.handler(ctx);

    expect(manager.called('updateInstance')[0].args).toEqual([
      'i-1',
      { flavorId: 'postgresql-17-medium', applyAt: 'next-window' },
    ]);
    expect(manager.called('getInstance')).toHaveLength(1);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'The change-flavor of database orders-db waits for its next maintenance window, opening 2026-11-27T02:00:00.000Z',
    );
    expect(outputs(ctx)).toEqual({
      instanceId: 'i-1',
      flavorId: 'postgresql-17-small',
      storageGiB: 5,
      parameters: {},
      scheduledFor: '2026-11-27T02:00:00.000Z',
    });
  });

  it('waits for nothing when only settings change, or when wait is false', async () => {
    const manager = new FakeManager();
    manager.states = [running];
    const action = createUpdateInstanceAction({ manager });

    await action.handler(context({ instance: 'i-1', maintenanceWindow: null }));
    await action.handler(
      context({ instance: 'i-1', storageGiB: 20, wait: false }),
    );

    expect(manager.called('updateInstance').map(c => c.args[1])).toEqual([
      { maintenanceWindow: null },
      { storageGiB: 20 },
    ]);
    // each found once, never polled
    expect(manager.called('getInstance')).toHaveLength(2);
  });

  it.each([
    [
      { storageGiB: 10, flavorId: 'postgresql-17-medium' },
      'One background change per step: storageGiB, flavorId were given; use a step for each',
    ],
    [
      {},
      'Nothing to change: give storageGiB, flavorId, parameters, storage or maintenanceWindow',
    ],
    [
      { applyAt: 'next-window' as const },
      'Nothing to change: give storageGiB, flavorId, parameters, storage or maintenanceWindow',
    ],
    [
      { storageGiB: 10, applyAt: 'next-window' as const },
      'applyAt: only a flavorId or parameters change can wait for the maintenance window',
    ],
  ])('refuses %j before asking anything', async (change, message) => {
    const manager = new FakeManager();
    manager.states = [running];
    const action = createUpdateInstanceAction({ manager });

    await expect(
      action.handler(context({ instance: 'i-1', ...change })),
    ).rejects.toThrow(message);
    expect(manager.calls).toEqual([]);
  });

  it('asks no second time when a checkpoint of an earlier run of the task holds the request', async () => {
    const manager = new FakeManager();
    manager.states = [{ ...running, storageGiB: 10 }];
    const action = createUpdateInstanceAction({ manager });
    const task = new TaskCheckpoints();
    const input = { instance: 'i-1', storageGiB: 10 };
    await action.handler(context(input, { checkpoint: task.run('grow') }));

    const retried = context(input, { checkpoint: task.run('grow') });
    await action.handler(retried);

    expect(manager.called('updateInstance')).toHaveLength(1);
    expect(outputs(retried).storageGiB).toBe(10);
    expect([...task.saved.keys()]).toEqual([
      'v1.task.checkpoint.grow.dbaas.instance.update.i-1',
    ]);
  });

  it('only says what it would do in a dry run', async () => {
    const manager = new FakeManager();
    manager.states = [{ ...running, parameters: { work_mem: 8 } }];
    const action = createUpdateInstanceAction({ manager });
    const ctx = context(
      { instance: 'i-1', parameters: { work_mem: null, max_connections: 50 } },
      { isDryRun: true },
    );

    await action.handler(ctx);

    expect(manager.called('updateInstance')).toEqual([]);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Dry run: would change database orders-db (id i-1): parameters work_mem=default, max_connections=50',
    );
    expect(outputs(ctx)).toEqual({
      instanceId: 'i-1',
      flavorId: 'postgresql-17-small',
      storageGiB: 5,
      parameters: { max_connections: 50 },
    });
  });
});
