import { exampleInputs, inputErrors } from './__testUtils__/examples';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createUpdateInstanceAction } from './updateInstance';
import { examples } from './updateInstance.examples';

describe('dbaas:instance:update examples', () => {
  it.each(
    exampleInputs(examples, {
      'parameters.database': 'i-1',
      'parameters.storageGiB': 10,
    }).map(e => [e.description, e.input] as const),
  )('%s: valid input that the action runs', async (_description, input) => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running', health: 'healthy' }];
    // the other examples name the database: listed by name
    manager.api.listInstances = async () => ({
      items: [{ ...manager.base(), status: 'running' }],
      totalCount: 1,
    });
    const action = createUpdateInstanceAction({ manager });
    expect(inputErrors(action, input)).toEqual([]);
    const ctx = mockContext(input as any);

    await action.handler(ctx);

    const { instance, wait, ...change } = input;
    expect(manager.called('updateInstance').map(c => c.args)).toEqual([
      ['i-1', change],
    ]);
    expect(ctx.output).toHaveBeenCalledWith('instanceId', 'i-1');
  });
});
