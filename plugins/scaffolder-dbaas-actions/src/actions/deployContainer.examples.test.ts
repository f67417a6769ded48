import { exampleInputs, inputErrors } from './__testUtils__/examples';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createDeployContainerAction } from './deployContainer';
import { examples } from './deployContainer.examples';

describe('dbaas:container:deploy examples', () => {
  it.each(
    exampleInputs(examples, {
      'steps.provision.output.instanceId': 'i-1',
      'parameters.deletionProtection': true,
    }).map(e => [e.description, e.input] as const),
  )('%s: valid input that the action runs', async (_description, input) => {
    const manager = new FakeManager();
    manager.states = [
      {
        status: 'running',
        phase: null,
        host: '127.0.0.1',
        health: 'healthy',
        endpoint: {
          host: '127.0.0.1',
          port: 5433,
          database: 'orders_db',
          user: 'orders_db_app',
        },
      },
    ];
    const action = createDeployContainerAction({
      manager,
      appBaseUrl: 'http://portal',
    });
    expect(inputErrors(action, input)).toEqual([]);
    const ctx = mockContext(input as any);

    await action.handler(ctx);

    expect(manager.called('deployInstance').map(c => c.args)).toEqual([
      ['i-1'],
    ]);
    expect(ctx.output).toHaveBeenCalledWith(
      'endpoint',
      expect.objectContaining({ host: '127.0.0.1', port: 5433 }),
    );
  });
});
