import { Instance } from '@dbaas/plugin-dbaas-common';
import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import { mockContext } from './__testUtils__/FakeManager';
import {
  afterCalls,
  RealManager,
  startRealManager,
} from './__testUtils__/realManager';
import { createDeployContainerAction } from './deployContainer';
import { createProvisionVmAction } from './provisionVm';

jest.setTimeout(180_000);

describe('a cancelled Create Database task on the real Manager', () => {
  let real: RealManager;

  beforeAll(async () => {
    real = await startRealManager();
  });
  afterAll(() => real?.stop());

  /** Runs the template's two steps as the scaffolder does, on one task cancel signal. */
  function steps(name: string, deletionProtection: boolean) {
    const task = new AbortController();
    const provisionCtx = mockContext(
      {
        name,
        owner: 'group:default/team-a',
        flavorId: postgresFlavor.id,
        deletionProtection,
      },
      { signal: task.signal },
    );
    const provision = () =>
      createProvisionVmAction({ manager: real.manager }).handler(provisionCtx);
    const deployCtx = (instanceId: string) =>
      mockContext({ instanceId, deletionProtection }, { signal: task.signal });
    const deploy = (instanceId: string) =>
      createDeployContainerAction({
        manager: real.manager,
        appBaseUrl: 'http://portal',
      }).handler(deployCtx(instanceId));
    /** Runs the provision step: the instance's id, and its host's port. */
    const provisioned = async () => {
      await provision();
      const id = (provisionCtx.output as jest.Mock).mock.calls.find(
        ([output]) => output === 'instanceId',
      )?.[1] as string;
      return { id, port: real.hostPort(id) };
    };
    return { task, provisionCtx, provisioned, deploy };
  }

  /** The instance is gone, with its data directory, processes and port. */
  async function expectGone(id: string, port?: number) {
    await real.waitFor(id, 'deleted after the cancel', i => i === undefined);
    expect(await real.leftoversOf(id, port)).toEqual([]);
  }

  describe.each([
    ['without deletion protection', false],
    ['with deletion protection requested', true],
  ])('%s', (_, deletionProtection) => {
    const suffix = deletionProtection ? 'protected' : 'plain';

    it('deletes the instance when cancelled while dbaas:vm:provision waits for the host', async () => {
      const { task, provisionCtx } = steps(
        `mid-provision-${suffix}`,
        deletionProtection,
      );
      let created: Instance | undefined;
      // the task is cancelled as soon as the Manager answered the create
      const manager = afterCalls(real.manager, 'createInstance', i => {
        created = i;
        task.abort(new Error('task cancelled'));
      });

      await expect(
        createProvisionVmAction({ manager }).handler(provisionCtx),
      ).rejects.toThrow('task cancelled');

      expect(created).toMatchObject({
        status: 'provisioning',
        deletionProtection: false,
      });
      expect(provisionCtx.logger.info).toHaveBeenCalledWith(
        `Task cancelled: deleting instance ${created!.id}`,
      );
      await expectGone(created!.id, real.hostPort(created!.id));
    });

    it('deletes the instance when cancelled between the two steps', async () => {
      const { task, provisioned, provisionCtx } = steps(
        `between-steps-${suffix}`,
        deletionProtection,
      );
      const { id, port } = await provisioned();
      expect(port).toBeGreaterThan(0);
      expect(await real.get(id)).toMatchObject({
        phase: 'host_ready',
        deletionProtection: false,
      });

      // the scaffolder runs no action after a cancel: the deploy step never starts
      task.abort(new Error('task cancelled'));

      await expectGone(id, port);
      expect(provisionCtx.logger.info).toHaveBeenCalledWith(
        `Task cancelled: deleting instance ${id}`,
      );
    });

    it('deletes the instance when cancelled while dbaas:container:deploy waits for the engine', async () => {
      const { task, provisioned, deploy } = steps(
        `mid-deploy-${suffix}`,
        deletionProtection,
      );
      const { id, port } = await provisioned();

      const deploying = deploy(id);
      const seen = await real.waitFor(
        id,
        'deploying its engine',
        i =>
          !i ||
          i.status !== 'provisioning' ||
          ['engine_deploying', 'engine_starting'].includes(i.phase ?? ''),
      );
      expect(seen).toMatchObject({
        status: 'provisioning',
        deletionProtection: false,
      });
      task.abort(new Error('task cancelled'));

      await expect(deploying).rejects.toThrow('task cancelled');
      await expectGone(id, port);
    });
  });

  it('keeps a database that is ready, protected as asked, when the task is cancelled after it ended', async () => {
    const { task, provisioned, deploy, provisionCtx } = steps(
      'finished-protected',
      true,
    );
    const { id } = await provisioned();
    await deploy(id);
    expect(await real.get(id)).toMatchObject({
      status: 'running',
      deletionProtection: true,
    });

    task.abort(new Error('task cancelled'));
    // the provision step's listener looks, finds it running, and leaves it
    await new Promise(r => setTimeout(r, 1000));

    expect(await real.get(id)).toMatchObject({
      status: 'running',
      deletionProtection: true,
    });
    expect(provisionCtx.logger.info).not.toHaveBeenCalledWith(
      expect.stringContaining('Task cancelled'),
    );
  });
});
