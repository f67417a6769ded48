import Docker from 'dockerode';
import { postgresFlavor } from '../../__testUtils__/fixtures';
import { DockerEngineRuntime } from '@dbaas/plugin-dbaas-node';

describe('DockerEngineRuntime', () => {
  it('reports health unknown, not an error, while the Docker engine cannot be reached', async () => {
    // nothing listens on port 1: the same ECONNREFUSED a VM's sshd gives while it boots
    const runtime = new DockerEngineRuntime(
      () => new Docker({ protocol: 'http', host: '127.0.0.1', port: 1 }),
      { startTimeoutSeconds: 1, configKey: 'test' },
    );
    const health = await runtime.health(
      {
        runtime: 'ec2',
        instanceId: 'x',
        address: '127.0.0.1',
        data: {},
      },
      {
        instanceId: 'x',
        flavor: postgresFlavor,
        storageGiB: 1,
        database: 'x',
        username: 'x_app',
      },
      { password: 'p', adminPassword: 'a' },
    );
    expect(health).toEqual({
      state: 'unknown',
      message: expect.stringMatching(
        /^Docker on 127\.0\.0\.1 did not answer: .*ECONNREFUSED/,
      ),
    });
  });
});
