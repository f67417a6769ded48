import { Instance } from '@dbaas/plugin-dbaas-common';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createCreateDatabaseAction } from './createDatabase';

const running: Partial<Instance> = {
  status: 'running',
  phase: null,
  health: 'healthy',
};

const creating: Partial<Instance> = {
  ...running,
  operation: {
    type: 'create-database',
    requestedBy: 'user:default/alice',
    requestedAt: '2026-11-26T10:00:00.000Z',
    target: 'sales',
  },
};

describe('dbaas:instance:create-database', () => {
  it('makes the database as the initiator under the idempotency key of the task step and waits until it is made', async () => {
    const manager = new FakeManager();
    manager.states = [running, creating, creating, running];
    const action = createCreateDatabaseAction({ manager });
    const ctx = mockContext(
      { instance: 'i-1', name: 'sales' },
      { task: { id: 'task-9' } },
    );

    await action.handler(ctx);

    expect(manager.called('createDatabase')).toEqual([
      {
        method: 'createDatabase',
        args: ['i-1', { name: 'sales' }, 'task-9/mock-step-id'],
        token: 'token-for-alice',
      },
    ]);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Database sales is ready on orders-db',
    );
    expect(ctx.output).toHaveBeenCalledWith('name', 'sales');
  });

  it('only says what it would do in a dry run', async () => {
    const manager = new FakeManager();
    manager.states = [running];
    const action = createCreateDatabaseAction({ manager });
    const ctx = mockContext(
      { instance: 'i-1', name: 'sales' },
      { isDryRun: true },
    );

    await action.handler(ctx);

    expect(manager.called('createDatabase')).toEqual([]);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      'Dry run: would make database sales on orders-db (id i-1)',
    );
  });
});
