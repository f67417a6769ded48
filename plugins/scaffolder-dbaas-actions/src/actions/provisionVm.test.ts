import { FakeManager, mockContext } from './__testUtils__/FakeManager';
import { createProvisionVmAction } from './provisionVm';
import { TaskCheckpoints } from './__testUtils__/TaskCheckpoints';

const input = {
  name: 'orders-db',
  owner: 'group:default/team-a',
  flavorId: 'postgresql-17-small',
  storageGiB: 5,
};

function context(overrides: Record<string, unknown> = {}) {
  return mockContext(input, overrides);
}

/** A task's first run of the step, on a Manager whose host is ready at once. */
async function afterFirstRun() {
  const manager = new FakeManager();
  manager.states = [{ phase: 'host_ready', host: '10.0.0.7' }];
  const action = createProvisionVmAction({ manager });
  const task = new TaskCheckpoints();
  await action.handler(context({ checkpoint: task.run('provision') }));
  return { manager, action, task };
}

describe('dbaas:vm:provision', () => {
  it('asks the Manager on behalf of the user, waits for the host and outputs it', async () => {
    const manager = new FakeManager();
    manager.states = [
      { phase: 'host_provisioning' },
      { phase: 'host_ready', host: '10.0.0.7' },
    ];
    const action = createProvisionVmAction({ manager });
    const ctx = context({ task: { id: 'task-7' } });

    await action.handler(ctx);

    expect(manager.called('createInstance')).toEqual([
      {
        method: 'createInstance',
        args: [
          expect.objectContaining({
            ...input,
            deletionProtection: false,
            holdAtHost: true,
          }),
          // a retry of the task's step asks again under the same key
          { token: 'token-for-alice', idempotencyKey: 'task-7/mock-step-id' },
        ],
        token: 'token-for-alice',
      },
    ]);
    expect(ctx.output).toHaveBeenCalledWith('instanceId', 'i-1');
    expect(ctx.output).toHaveBeenCalledWith('host', '10.0.0.7');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'resource:default/orders-db',
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /^orders-db: provisioning, phase host_provisioning, health unknown \(\d+ s\)$/,
      ),
    );
  });

  it('creates nothing when a checkpoint of an earlier run of the task holds the instance', async () => {
    const { manager, action, task } = await afterFirstRun();
    expect(manager.called('createInstance')).toHaveLength(1);

    const retried = context({ checkpoint: task.run('provision') });
    await action.handler(retried);

    expect(manager.called('createInstance')).toHaveLength(1);
    expect(retried.output).toHaveBeenCalledWith('instanceId', 'i-1');
  });

  it('creates again under a checkpoint key of its own: another step or another name', async () => {
    const { manager, action, task } = await afterFirstRun();

    await action.handler(context({ checkpoint: task.run('provision-2') }));
    await action.handler(
      mockContext(
        { ...input, name: 'billing-db' },
        { checkpoint: task.run('provision') },
      ),
    );

    expect(manager.called('createInstance')).toHaveLength(3);
    expect([...task.saved.keys()]).toEqual([
      'v1.task.checkpoint.provision.dbaas.instance.create.orders-db',
      'v1.task.checkpoint.provision-2.dbaas.instance.create.orders-db',
      'v1.task.checkpoint.provision.dbaas.instance.create.billing-db',
    ]);
  });

  it('validates with the Manager on a dry run and creates nothing', async () => {
    const manager = new FakeManager();
    const action = createProvisionVmAction({ manager });
    const ctx = context({ isDryRun: true });

    await action.handler(ctx);

    expect(manager.called('createInstance')[0].args[1]).toEqual({
      token: 'token-for-alice',
      dryRun: true,
    });
    expect(manager.called('getInstance')).toEqual([]);
    expect(ctx.output).toHaveBeenCalledWith('instanceId', 'dry-run');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'resource:default/orders-db',
    );
  });

  it('fails with the typed fault when the instance fails', async () => {
    const manager = new FakeManager();
    manager.states = [
      {
        status: 'failed',
        phase: null,
        fault: {
          phase: 'host_provisioning',
          code: 'HOST_CAPACITY',
          message: 'no host has 4 GiB free',
        },
      },
    ];
    const action = createProvisionVmAction({ manager });

    await expect(action.handler(context())).rejects.toThrow(
      'Database orders-db failed in phase host_provisioning: HOST_CAPACITY no host has 4 GiB free',
    );
  });

  it('deletes the instance when the task is cancelled while waiting', async () => {
    const manager = new FakeManager();
    manager.states = [{ phase: 'host_provisioning' }];
    const controller = new AbortController();
    const action = createProvisionVmAction({ manager });
    const ctx = context({ signal: controller.signal });

    const run = action.handler(ctx);
    setTimeout(() => controller.abort(new Error('task cancelled')), 50);

    await expect(run).rejects.toThrow('task cancelled');
    expect(manager.called('deleteInstance').map(c => c.args)).toEqual([
      ['i-1'],
    ]);
  });
});
