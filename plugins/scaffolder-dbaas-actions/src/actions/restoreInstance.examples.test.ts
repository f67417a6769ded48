import { exampleInputs, inputErrors } from './__testUtils__/examples';
import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createRestoreInstanceAction } from './restoreInstance';
import { examples } from './restoreInstance.examples';

describe('dbaas:instance:restore examples', () => {
  it.each(
    exampleInputs(examples, {
      'parameters.name': 'orders-db-restored',
      'parameters.source': 'orders-db',
      'parameters.backupId': 'b-7',
    }).map(e => [e.description, e.input] as const),
  )('%s: valid input that the action runs', async (_description, input) => {
    const manager = new FakeManager();
    manager.others = [
      { ...manager.base(), id: 'src-1', name: 'orders-db', status: 'running' },
    ];
    manager.backups = [
      {
        id: 'b-latest',
        instanceId: 'src-1',
        kind: 'full',
        trigger: 'scheduled',
        status: 'completed',
        size: 1024,
        sha256: null,
        startedAt: '2026-11-28T00:00:00.000Z',
        completedAt: '2026-11-28T00:01:00.000Z',
        restorableFrom: '2026-11-28T00:01:00.000Z',
        requestedBy: 'dbaas',
        fault: null,
      },
    ];
    manager.states = [
      {
        name: input.name as string,
        status: 'running',
        endpoint: {
          host: '10.0.0.9',
          port: 5433,
          database: 'orders',
          user: 'app',
        },
      },
    ];
    const action = createRestoreInstanceAction({
      manager,
      appBaseUrl: 'http://localhost:3000',
    });
    expect(inputErrors(action, input)).toEqual([]);
    const ctx = mockContext(input as any);

    await action.handler(ctx);

    const [request] = manager.called('createInstance').map(c => c.args[0]);
    expect(request).toMatchObject({
      name: input.name,
      restoreFrom: input.pointInTime
        ? { instanceId: 'src-1', pointInTime: input.pointInTime }
        : {
            backupId: input.backupId === 'latest' ? 'b-latest' : input.backupId,
          },
    });
    expect(ctx.output).toHaveBeenCalledWith('port', 5433);
  });
});
