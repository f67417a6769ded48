import {
  postgresFlavor,
  silentLogger,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { EngineRuntime } from '@dbaas/plugin-dbaas-node';
import { Ec2EngineRuntime } from './Ec2EngineRuntime';

describe('Ec2EngineRuntime', () => {
  it('leaves the container to the VM termination: a VM whose Docker never answered is still cleaned up', async () => {
    const dockerFor = jest.fn(() => {
      throw new Error('connect ECONNREFUSED 10.0.1.23:22');
    });
    const runtime: EngineRuntime = new Ec2EngineRuntime(dockerFor, {
      startTimeoutSeconds: 1,
      configKey: 'dbaas.runtimes.ec2.startTimeoutSeconds',
    });
    await expect(
      runtime.remove(
        { runtime: 'ec2', instanceId: 'x', address: '', data: {} },
        {
          instanceId: 'x',
          flavor: postgresFlavor,
          storageGiB: 1,
          database: 'x',
          username: 'x_app',
        },
        { logger: silentLogger, signal: new AbortController().signal },
      ),
    ).resolves.toBeUndefined();
    expect(dockerFor).not.toHaveBeenCalled();
  });
});
