import { exampleInputs, inputErrors } from './__testUtils__/examples';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createDeleteInstanceAction } from './deleteInstance';
import { examples } from './deleteInstance.examples';

describe('dbaas:instance:delete examples', () => {
  it.each(
    exampleInputs(examples, { 'parameters.instanceId': 'i-1' }).map(
      e => [e.description, e.input] as const,
    ),
  )('%s: valid input that the action runs', async (_description, input) => {
    const manager = new FakeManager();
    manager.states = [{ status: 'running' }, { status: 'deleting' }, 'gone'];
    const action = createDeleteInstanceAction({ manager });
    expect(inputErrors(action, input)).toEqual([]);
    const ctx = mockContext(input as any);

    await action.handler(ctx);

    expect(manager.called('deleteInstance').map(c => c.args)).toEqual([
      ['i-1'],
    ]);
  });
});
