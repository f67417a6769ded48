import { exampleInputs, inputErrors } from './__testUtils__/examples';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createOperateInstanceAction } from './operateInstance';
import { examples } from './operateInstance.examples';

describe('dbaas:instance:operate examples', () => {
  it.each(
    exampleInputs(examples, {
      'parameters.database': 'i-1',
      'parameters.operation': 'restart',
    }).map(e => [e.description, e.input] as const),
  )('%s: valid input that the action runs', async (_description, input) => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running', health: 'healthy' }];
    // the second example names the database: listed by name
    manager.api.listInstances = async () => ({
      items: [{ ...manager.base(), status: 'running' }],
      totalCount: 1,
    });
    const action = createOperateInstanceAction({ manager });
    expect(inputErrors(action, input)).toEqual([]);
    const ctx = mockContext(input as any);

    await action.handler(ctx);

    const call = {
      restart: 'restartInstance',
      upgrade: 'upgradeInstance',
      'rotate-credentials': 'rotateCredentials',
    }[input.operation as string]!;
    expect(manager.called(call).map(c => c.args[0])).toEqual(['i-1']);
    expect(ctx.output).toHaveBeenCalledWith('status', 'running');
  });
});
