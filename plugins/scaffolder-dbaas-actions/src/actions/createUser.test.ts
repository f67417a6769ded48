import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { TaskCheckpoints } from './__testUtils__/TaskCheckpoints';
import { createCreateUserAction } from './createUser';

type Input = Parameters<
  ReturnType<typeof createCreateUserAction>['handler']
>[0]['input'];

const running: Partial<Instance> = {
  status: 'running',
  phase: null,
  health: 'healthy',
};

const creating = (target: string): Partial<Instance> => ({
  ...running,
  operation: {
    type: 'create-user',
    requestedBy: 'user:default/alice',
    requestedAt: '2026-11-26T10:00:00.000Z',
    target,
  },
});

function context(input: Input, overrides: Record<string, unknown> = {}) {
  return mockContext(input, overrides);
}

function outputs(ctx: ReturnType<typeof context>) {
  return Object.fromEntries(
    (ctx.output as jest.Mock).mock.calls as [string, unknown][],
  );
}

describe('dbaas:instance:create-user', () => {
  it('makes the user as the initiator under the idempotency key of the task step, waits until it is made, and outputs it without a password', async () => {
    const manager = new FakeManager();
    manager.states = [
      running,
      creating('reporting'),
      creating('reporting'),
      running,
    ];
    const action = createCreateUserAction({ manager });
    const ctx = context(
      { instance: 'i-1', name: 'reporting', role: 'readonly' },
      { task: { id: 'task-9' } },
    );

    await action.handler(ctx);

    expect(manager.called('createDatabaseUser')).toEqual([
      {
        method: 'createDatabaseUser',
        args: [
          'i-1',
          { name: 'reporting', role: 'readonly' },
          'task-9/mock-step-id',
        ],
        token: 'token-for-alice',
      },
    ]);
    expect(manager.calls.every(c => c.token === 'token-for-alice')).toBe(true);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Asked to make readonly user reporting on database app of orders-db (id i-1)',
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(/create-user under way \(\d+ s\)$/),
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'User reporting is ready on database app of orders-db; its password is on the instance page',
    );
    expect(outputs(ctx)).toEqual({
      name: 'reporting',
      role: 'readonly',
      database: 'app',
    });
    expect(manager.called('getCredentials')).toEqual([]);
    expect(manager.called('getDatabaseUserCredentials')).toEqual([]);
  });

  it('finds the database by name and makes a user on another of its databases', async () => {
    const manager = new FakeManager();
    manager.states = [running];
    manager.others = [];
    const found = { ...manager.base(), ...running } as Instance;
    manager.api.listInstances = async query => {
      manager.calls.push({ method: 'listInstances', args: [query] });
      return { items: [found], totalCount: 1 };
    };
    const action = createCreateUserAction({ manager });
    const ctx = context({
      instance: 'orders-db',
      name: 'loader',
      role: 'readwrite',
      database: 'staging',
    });

    await action.handler(ctx);

    expect(manager.called('createDatabaseUser')[0].args.slice(0, 2)).toEqual([
      'i-1',
      { name: 'loader', role: 'readwrite', database: 'staging' },
    ]);
    expect(outputs(ctx)).toEqual({
      name: 'loader',
      role: 'readwrite',
      database: 'staging',
    });
  });

  it("fails the step with the Manager's message when making the user failed", async () => {
    const manager = new FakeManager();
    manager.states = [running, creating('reporting'), running];
    manager.events = [
      {
        id: 3,
        instanceId: 'i-1',
        at: '2026-11-26T10:00:02.000Z',
        type: 'fault',
        message:
          'create-user failed: ENGINE_FAILED: database "nope" does not exist',
        actor: 'dbaas',
        data: { operation: 'create-user', code: 'ENGINE_FAILED' },
      },
    ];
    const action = createCreateUserAction({ manager });
    const ctx = context({
      instance: 'i-1',
      name: 'reporting',
      role: 'readonly',
      database: 'nope',
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Database orders-db: create-user failed: ENGINE_FAILED: database "nope" does not exist',
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it("passes on the Manager's 409 while another operation is under way", async () => {
    const manager = new FakeManager();
    manager.states = [running];
    manager.api.createDatabaseUser = async () => {
      const error = await ResponseError.fromResponse(
        new Response(
          JSON.stringify({
            error: {
              name: 'ConflictError',
              message: 'orders-db has an operation under way (restart)',
            },
          }),
          { status: 409, headers: { 'Content-Type': 'application/json' } },
        ),
      );
      error.message = `${error.message}: orders-db has an operation under way (restart)`;
      throw error;
    };
    const action = createCreateUserAction({ manager });

    await expect(
      action.handler(
        context({ instance: 'i-1', name: 'reporting', role: 'readonly' }),
      ),
    ).rejects.toThrow('orders-db has an operation under way (restart)');
  });

  it('does not wait when wait is false, and asks once across runs of the task', async () => {
    const manager = new FakeManager();
    manager.states = [creating('reporting')];
    const action = createCreateUserAction({ manager });
    const task = new TaskCheckpoints();
    const input = {
      instance: 'i-1',
      name: 'reporting',
      role: 'readonly',
      wait: false,
    } as const;
    await action.handler(context(input, { checkpoint: task.run('user') }));

    const retried = context(input, { checkpoint: task.run('user') });
    await action.handler(retried);

    expect(manager.called('createDatabaseUser')).toHaveLength(1);
    expect(retried.logger.info).toHaveBeenCalledWith(
      'Not waiting: user reporting is made in the background',
    );
    expect(outputs(retried)).toEqual({
      name: 'reporting',
      role: 'readonly',
      database: 'app',
    });
    expect([...task.saved.keys()]).toEqual([
      'v1.task.checkpoint.user.dbaas.instance.create-user.i-1.reporting',
    ]);
  });

  it('only says what it would do in a dry run', async () => {
    const manager = new FakeManager();
    manager.states = [running];
    const action = createCreateUserAction({ manager });
    const ctx = context(
      { instance: 'i-1', name: 'reporting', role: 'readonly' },
      { isDryRun: true },
    );

    await action.handler(ctx);

    expect(manager.called('createDatabaseUser')).toEqual([]);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Dry run: would make readonly user reporting on its application database of database orders-db (id i-1)',
    );
  });

  it('refuses a name the engines cannot take, in its input schema', () => {
    const action = createCreateUserAction({ manager: new FakeManager() });
    const schema = action.schema?.input as any;
    expect(schema.properties.name.pattern).toBe('^[a-z][a-z0-9_]{0,30}$');
  });
});
