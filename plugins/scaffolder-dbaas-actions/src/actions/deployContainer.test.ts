import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createDeployContainerAction } from './deployContainer';

const endpoint = {
  host: '127.0.0.1',
  port: 5433,
  database: 'orders_db',
  user: 'orders_db_app',
};

describe('dbaas:container:deploy', () => {
  it('deploys, waits until running and outputs where to connect, without a password', async () => {
    const manager = new FakeManager();
    manager.states = [
      { phase: 'engine_deploying', host: '127.0.0.1' },
      {
        phase: 'engine_starting',
        host: '127.0.0.1',
        endpoint,
        health: 'starting',
      },
      {
        status: 'running',
        phase: null,
        host: '127.0.0.1',
        endpoint,
        health: 'healthy',
      },
    ];
    const action = createDeployContainerAction({
      manager,
      appBaseUrl: 'http://portal',
    });
    const ctx = mockContext({ instanceId: 'i-1' });

    await action.handler(ctx);

    expect(manager.called('deployInstance').map(c => c.args)).toEqual([
      ['i-1'],
    ]);
    expect(ctx.output).toHaveBeenCalledWith('endpoint', endpoint);
    expect(ctx.output).toHaveBeenCalledWith(
      'connectionUri',
      'postgresql://orders_db_app@127.0.0.1:5433/orders_db',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'resource:default/orders-db',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'instanceUrl',
      'http://portal/dbaas/instances/i-1',
    );
    const outputs = JSON.stringify((ctx.output as jest.Mock).mock.calls);
    expect(outputs).not.toMatch(/password/i);
  });

  it('deploys nothing on a dry run', async () => {
    const manager = new FakeManager();
    const action = createDeployContainerAction({
      manager,
      appBaseUrl: 'http://portal',
    });
    const ctx = mockContext({ instanceId: 'dry-run' }, { isDryRun: true });

    await action.handler(ctx);

    expect(manager.calls).toEqual([]);
    expect(ctx.output).toHaveBeenCalledWith(
      'instanceUrl',
      'http://portal/dbaas/instances/dry-run',
    );
  });
});
