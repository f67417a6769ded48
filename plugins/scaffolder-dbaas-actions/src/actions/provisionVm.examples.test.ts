import { exampleInputs, inputErrors } from './__testUtils__/examples';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createProvisionVmAction } from './provisionVm';
import { examples } from './provisionVm.examples';

describe('dbaas:vm:provision examples', () => {
  it.each(
    exampleInputs(examples, {
      'parameters.name': 'orders-db',
      'parameters.owner': 'group:default/team-a',
      'parameters.flavorId': 'postgresql-17-small',
    }).map(e => [e.description, e.input] as const),
  )('%s: valid input that the action runs', async (_description, input) => {
    const manager = new FakeManager();
    manager.states = [{ phase: 'host_ready', host: '10.0.0.7' }];
    const action = createProvisionVmAction({ manager });
    expect(inputErrors(action, input)).toEqual([]);
    const ctx = mockContext(input as any);

    await action.handler(ctx);

    expect(manager.called('createInstance').map(c => c.args[0])).toEqual([
      { ...input, deletionProtection: false, holdAtHost: true },
    ]);
    expect(ctx.output).toHaveBeenCalledWith('host', '10.0.0.7');
  });
});
