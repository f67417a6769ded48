import { exampleInputs, inputErrors } from './__testUtils__/examples';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createCreateDatabaseAction } from './createDatabase';
import { examples } from './createDatabase.examples';

describe('dbaas:instance:create-database examples', () => {
  it.each(
    exampleInputs(examples, {
      'parameters.server': 'i-1',
      'parameters.name': 'sales',
    }).map(e => [e.description, e.input] as const),
  )('%s: valid input that the action runs', async (_description, input) => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running', health: 'healthy' }];
    const action = createCreateDatabaseAction({ manager });
    expect(inputErrors(action, input)).toEqual([]);
    const ctx = mockContext(input as any);

    await action.handler(ctx);

    expect(manager.called('createDatabase').map(c => c.args[1])).toEqual([
      { name: 'sales' },
    ]);
    expect(ctx.output).toHaveBeenCalledWith('name', 'sales');
  });
});
