import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { TaskCheckpoints } from './__testUtils__/TaskCheckpoints';
import { createOperateInstanceAction } from './operateInstance';

type Input = Parameters<
  ReturnType<typeof createOperateInstanceAction>['handler']
>[0]['input'];

const pending = (
  type: 'stop' | 'start' | 'restart' | 'upgrade' | 'rotate-credentials',
): Partial<Instance> => ({
  operation: {
    type,
    requestedBy: 'user:default/alice',
    requestedAt: '2026-11-26T10:00:00.000Z',
  },
});

function context(input: Input, overrides: Record<string, unknown> = {}) {
  return mockContext(input, overrides);
}

/** A 409 as the client throws it: the Manager's message is in the error's message. */
async function conflict(message: string) {
  const error = await ResponseError.fromResponse(
    new Response(
      JSON.stringify({ error: { name: 'ConflictError', message } }),
      {
        status: 409,
        headers: { 'Content-Type': 'application/json' },
      },
    ),
  );
  error.message = `${error.message}: ${message}`;
  return error;
}

describe('dbaas:instance:operate', () => {
  it('stops a database by id as the initiator, under the idempotency key of the task step, and waits until it is stopped', async () => {
    const manager = new FakeManager();
    manager.states = [
      { status: 'running', phase: null },
      { status: 'running', phase: null, health: 'healthy', ...pending('stop') },
      { status: 'stopped', phase: null, health: 'unknown' },
    ];
    const action = createOperateInstanceAction({ manager });
    const ctx = context(
      { instance: 'i-1', operation: 'stop' },
      { task: { id: 'task-7' } },
    );

    await action.handler(ctx);

    expect(manager.called('stopInstance')).toEqual([
      {
        method: 'stopInstance',
        args: ['i-1', 'task-7/mock-step-id'],
        token: 'token-for-alice',
      },
    ]);
    expect(manager.calls.every(c => c.token === 'token-for-alice')).toBe(true);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Asked to stop database orders-db (id i-1)',
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /^orders-db: running, health healthy, stop under way \(\d+ s\)$/,
      ),
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Database orders-db is stopped',
    );
    expect(ctx.output).toHaveBeenCalledWith('status', 'stopped');
  });

  it.each([
    ['resource:default/orders-db', 'start', 'stopped', 'running'],
    ['orders-db', 'restart', 'running', 'running'],
  ] as const)(
    'finds %s by name and %ss it',
    async (instance, operation, before, after) => {
      const manager = new FakeManager();
      const found = { ...manager.base(), status: before };
      // only the id is known to getInstance; the name is found by listing
      manager.api.getInstance = async id => {
        if (id !== 'i-1') {
          throw await ResponseError.fromResponse(
            new Response('{}', { status: 404 }),
          );
        }
        return { ...found, status: after, health: 'healthy' };
      };
      manager.api.listInstances = async query => {
        manager.calls.push({ method: 'listInstances', args: [query] });
        return { items: [found], totalCount: 1 };
      };
      const action = createOperateInstanceAction({ manager });
      const ctx = context({ instance, operation });

      await action.handler(ctx);

      expect(manager.called('listInstances')[0].args).toEqual([
        { name: 'orders-db' },
      ]);
      expect(manager.called(`${operation}Instance`)).toHaveLength(1);
      expect(ctx.output).toHaveBeenCalledWith('status', after);
    },
  );

  it('fails with the fault of the timeline when the operation left the database as it was', async () => {
    const manager = new FakeManager();
    manager.states = [
      { status: 'stopped' },
      { status: 'stopped', ...pending('start') },
      { status: 'stopped' },
    ];
    manager.events = [
      {
        id: 1,
        instanceId: 'i-1',
        at: '2026-11-26T09:00:00.000Z',
        type: 'fault',
        message: 'stop failed: an older one',
        actor: 'dbaas',
        data: null,
      },
      {
        id: 2,
        instanceId: 'i-1',
        at: '2026-11-26T10:00:03.000Z',
        type: 'fault',
        message: 'start failed: HOST_UNAVAILABLE: the server did not come up',
        actor: 'dbaas',
        data: { operation: 'start', code: 'HOST_UNAVAILABLE' },
      },
    ];
    const action = createOperateInstanceAction({ manager });
    const ctx = context({ instance: 'i-1', operation: 'start' });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Database orders-db: start failed: HOST_UNAVAILABLE: the server did not come up',
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it("passes on the Manager's 409 when the state does not allow the operation", async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running' }];
    manager.api.startInstance = async () => {
      throw await conflict(
        'Only a stopped database can be started; orders-db is running',
      );
    };
    const action = createOperateInstanceAction({ manager });

    await expect(
      action.handler(context({ instance: 'i-1', operation: 'start' })),
    ).rejects.toThrow(
      'Only a stopped database can be started; orders-db is running',
    );
  });

  it('asks no second time when a checkpoint of an earlier run of the task holds the request', async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'stopped', health: 'unknown' }];
    const action = createOperateInstanceAction({ manager });
    const task = new TaskCheckpoints();
    const input = { instance: 'i-1', operation: 'stop' } as const;
    await action.handler(context(input, { checkpoint: task.run('operate') }));

    const retried = context(input, { checkpoint: task.run('operate') });
    await action.handler(retried);

    expect(manager.called('stopInstance')).toHaveLength(1);
    expect(retried.output).toHaveBeenCalledWith('status', 'stopped');
    expect([...task.saved.keys()]).toEqual([
      'v1.task.checkpoint.operate.dbaas.instance.operate.i-1.stop',
    ]);
  });

  it('logs progress at least every 10 s while the operation is under way', async () => {
    jest.useFakeTimers();
    try {
      const manager = new FakeManager();
      manager.states = [
        { status: 'running' },
        ...Array(25).fill({ status: 'running', ...pending('restart') }),
        { status: 'running', health: 'healthy' },
      ];
      const action = createOperateInstanceAction({ manager });
      const ctx = context({ instance: 'i-1', operation: 'restart' });

      const done = action.handler(ctx);
      await jest.advanceTimersByTimeAsync(30_000);
      await done;

      const progress = ctx.logger.info.mock.calls
        .map(([line]) => /restart under way \((\d+) s\)$/.exec(line)?.[1])
        .filter(Boolean)
        .map(Number);
      expect(progress).toEqual([0, 10, 20]);
      expect(ctx.output).toHaveBeenCalledWith('status', 'running');
    } finally {
      jest.useRealTimers();
    }
  });

  it('only says what it would do in a dry run', async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running' }];
    const action = createOperateInstanceAction({ manager });
    const ctx = context(
      { instance: 'i-1', operation: 'stop' },
      { isDryRun: true },
    );

    await action.handler(ctx);

    expect(manager.called('stopInstance')).toEqual([]);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Dry run: would stop database orders-db (now running), to end stopped',
    );
    expect(ctx.output).toHaveBeenCalledWith('status', 'stopped');
  });

  it.each([
    ['upgrade', 'upgradeInstance', 'upgrade database orders-db (id i-1)'],
    [
      'rotate-credentials',
      'rotateCredentials',
      'rotate the credentials of database orders-db (id i-1)',
    ],
  ] as const)(
    'asks for %s on a running database and waits until the operation is done',
    async (operation, call, asked) => {
      const manager = new FakeManager();
      manager.states = [
        { status: 'running', phase: null },
        { status: 'running', phase: null, ...pending(operation) },
        { status: 'running', phase: null, health: 'healthy' },
      ];
      const action = createOperateInstanceAction({ manager });
      const ctx = context({ instance: 'i-1', operation });

      await action.handler(ctx);

      expect(manager.called(call)).toHaveLength(1);
      expect(manager.called(call)[0].args[0]).toBe('i-1');
      expect(ctx.logger.info).toHaveBeenCalledWith(`Asked to ${asked}`);
      expect(ctx.logger.info).toHaveBeenCalledWith(
        expect.stringMatching(
          new RegExp(
            `^orders-db: running, health unknown, ${operation} under way`,
          ),
        ),
      );
      expect(ctx.output).toHaveBeenCalledWith('status', 'running');
      // the password is never read, let alone logged
      expect(manager.called('getCredentials')).toEqual([]);
    },
  );

  it('fails with the fault of the timeline when an upgrade failed on a database that kept running', async () => {
    const manager = new FakeManager();
    manager.states = [
      { status: 'running' },
      { status: 'running', ...pending('upgrade') },
      { status: 'running', health: 'healthy' },
    ];
    manager.events = [
      {
        id: 1,
        instanceId: 'i-1',
        at: '2026-11-26T10:00:02.000Z',
        type: 'fault',
        message: 'restart failed: an earlier one, of another operation',
        actor: 'dbaas',
        data: { operation: 'restart', code: 'ENGINE_FAILED' },
      },
      {
        id: 2,
        instanceId: 'i-1',
        at: '2026-11-26T10:00:05.000Z',
        type: 'fault',
        message: 'upgrade failed: IMAGE_UNAVAILABLE: no image postgres:17.7',
        actor: 'dbaas',
        data: { operation: 'upgrade', code: 'IMAGE_UNAVAILABLE' },
      },
    ];
    const action = createOperateInstanceAction({ manager });
    const ctx = context({ instance: 'i-1', operation: 'upgrade' });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Database orders-db: upgrade failed: IMAGE_UNAVAILABLE: no image postgres:17.7',
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('schedules a restart for the next maintenance window and does not wait for it', async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running', health: 'healthy' }];
    const action = createOperateInstanceAction({ manager });
    const ctx = context(
      { instance: 'i-1', operation: 'restart', applyAt: 'next-window' },
      { task: { id: 'task-8' } },
    );

    await action.handler(ctx);

    expect(manager.called('restartInstance')).toEqual([
      {
        method: 'restartInstance',
        args: ['i-1', 'task-8/mock-step-id', 'next-window'],
        token: 'token-for-alice',
      },
    ]);
    // read once to find it; no polling until the window
    expect(manager.called('getInstance')).toHaveLength(1);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Scheduled a restart of database orders-db (id i-1) for its next maintenance window, opening 2026-11-27T02:00:00.000Z',
    );
    expect(ctx.output).toHaveBeenCalledWith('status', 'running');
    expect(ctx.output).toHaveBeenCalledWith(
      'scheduledFor',
      '2026-11-27T02:00:00.000Z',
    );
  });

  it('refuses applyAt next-window for an operation that cannot wait for the window, asking nothing', async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running' }];
    const action = createOperateInstanceAction({ manager });

    await expect(
      action.handler(
        context({
          instance: 'i-1',
          operation: 'rotate-credentials',
          applyAt: 'next-window',
        }),
      ),
    ).rejects.toThrow(
      'applyAt: only a restart or an upgrade can wait for the maintenance window, not rotate-credentials',
    );
    expect(manager.calls).toEqual([]);
  });

  it('ends the step once the operation is accepted when wait is false', async () => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running' }];
    const action = createOperateInstanceAction({ manager });
    const ctx = context({ instance: 'i-1', operation: 'upgrade', wait: false });

    await action.handler(ctx);

    expect(manager.called('upgradeInstance')).toHaveLength(1);
    expect(manager.called('getInstance')).toHaveLength(1);
    expect(ctx.output).toHaveBeenCalledWith('status', 'running');
  });
});
