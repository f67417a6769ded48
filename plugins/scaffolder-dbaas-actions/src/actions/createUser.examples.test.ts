import { exampleInputs, inputErrors } from './__testUtils__/examples';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createCreateUserAction } from './createUser';
import { examples } from './createUser.examples';

describe('dbaas:instance:create-user examples', () => {
  it.each(
    exampleInputs(examples, {
      'parameters.database': 'i-1',
      'parameters.name': 'reporting',
      'parameters.role': 'readonly',
    }).map(e => [e.description, e.input] as const),
  )('%s: valid input that the action runs', async (_description, input) => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running', health: 'healthy' }];
    // the second example names the database: listed by name
    manager.api.listInstances = async () => ({
      items: [{ ...manager.base(), status: 'running' }],
      totalCount: 1,
    });
    const action = createCreateUserAction({ manager });
    expect(inputErrors(action, input)).toEqual([]);
    const ctx = mockContext(input as any);

    await action.handler(ctx);

    const { instance, ...request } = input;
    expect(manager.called('createDatabaseUser').map(c => c.args[1])).toEqual([
      request,
    ]);
    expect(ctx.output).toHaveBeenCalledWith('name', input.name);
  });
});
