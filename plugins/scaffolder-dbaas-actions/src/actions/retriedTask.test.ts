import { DbaasApi } from '@dbaas/plugin-dbaas-common';
import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import { ManagerClientFactory } from '../managerClient';
import { mockContext } from './__testUtils__/FakeManager';
import {
  afterCalls,
  RealManager,
  startRealManager,
} from './__testUtils__/realManager';
import { TaskCheckpoints } from './__testUtils__/TaskCheckpoints';
import { createProvisionVmAction } from './provisionVm';

jest.setTimeout(120_000);

/**
 * The Manager's client whose first call of `method` fails once the Manager has done it:
 * 'after', the task worker dies after the call returned; 'before-answer', the answer is
 * lost on its way.
 */
function crashingOnce(
  manager: ManagerClientFactory,
  method: keyof DbaasApi,
  when: 'after' | 'before-answer',
): ManagerClientFactory {
  let crashed = false;
  return afterCalls(manager, method, () => {
    if (crashed) return;
    crashed = true;
    throw new Error(
      when === 'after'
        ? `task worker crashed after ${method}`
        : `connection reset before the answer to ${method}`,
    );
  });
}

describe('a retried dbaas:vm:provision on the real Manager', () => {
  let real: RealManager;

  beforeAll(async () => {
    real = await startRealManager();
  });
  afterAll(() => real?.stop());

  const input = (name: string) => ({
    name,
    owner: 'group:default/team-a',
    flavorId: postgresFlavor.id,
  });
  /** A run of the task `taskId` (its checkpoints kept in `task`) that provisions `name`. */
  const runOf = (task: TaskCheckpoints, taskId: string, name: string) =>
    mockContext(input(name), {
      checkpoint: task.run('provision'),
      task: { id: taskId },
    });

  it('makes no second database when the first run crashed right after the create', async () => {
    const task = new TaskCheckpoints();
    // the create is done and checkpointed; the run dies at its first look at the instance
    const first = runOf(task, 'task-retried', 'retried-db');
    await expect(
      createProvisionVmAction({
        manager: crashingOnce(real.manager, 'getInstance', 'after'),
      }).handler(first),
    ).rejects.toThrow('task worker crashed after getInstance');
    expect((await real.list()).map(i => i.name)).toEqual(['retried-db']);

    const second = runOf(task, 'task-retried', 'retried-db');
    await createProvisionVmAction({ manager: real.manager }).handler(second);

    const instances = await real.list();
    expect(instances.map(i => i.name)).toEqual(['retried-db']);
    expect(second.output).toHaveBeenCalledWith('instanceId', instances[0].id);
    expect(second.logger.info).not.toHaveBeenCalledWith(
      expect.stringContaining('Requested database'),
    );
    expect([...task.saved.keys()]).toEqual([
      'v1.task.checkpoint.provision.dbaas.instance.create.retried-db',
    ]);
  });

  it('makes no second database when the answer to the create was lost: the retry gets that answer again', async () => {
    const task = new TaskCheckpoints();
    // the Manager made it, but the run never learnt the id: its checkpoint failed
    const first = runOf(task, 'task-lost-answer', 'lost-answer-db');
    await expect(
      createProvisionVmAction({
        manager: crashingOnce(real.manager, 'createInstance', 'before-answer'),
      }).handler(first),
    ).rejects.toThrow('connection reset before the answer to createInstance');

    // the retry sends the same Idempotency-Key (task id + step id) and gets the first answer
    const second = runOf(task, 'task-lost-answer', 'lost-answer-db');
    await createProvisionVmAction({ manager: real.manager }).handler(second);

    const instances = (await real.list()).filter(
      i => i.name === 'lost-answer-db',
    );
    expect(instances).toHaveLength(1);
    expect(second.output).toHaveBeenCalledWith('instanceId', instances[0].id);
  });

  it('still refuses another task that asks for a name in use', async () => {
    const other = mockContext(input('lost-answer-db'), {
      checkpoint: new TaskCheckpoints().run('provision'),
    });
    await expect(
      createProvisionVmAction({ manager: real.manager }).handler(other),
    ).rejects.toThrow(
      "name: 'lost-answer-db' is already used by another database",
    );
  });
});
