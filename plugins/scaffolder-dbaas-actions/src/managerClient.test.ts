import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { startTestManager } from '@dbaas/plugin-dbaas-backend/testUtils';
import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import { createManagerClientFactory } from './managerClient';

// starts a Manager (or streams 20 MiB): more than Jest's 5 s on a busy 2-core machine
jest.setTimeout(60_000);

describe('createManagerClientFactory', () => {
  it('calls the Manager over HTTP with a token issued on behalf of the user', async () => {
    const { baseUrl, dataDir } = await startTestManager();
    const auth = mockServices.auth();
    const getToken = jest.spyOn(auth, 'getPluginRequestToken');
    const factory = createManagerClientFactory({
      discovery: {
        getBaseUrl: async id => `${baseUrl}/api/${id}`,
        getExternalBaseUrl: async id => `${baseUrl}/api/${id}`,
      },
      auth,
    });
    const alice = mockCredentials.user('user:default/alice');

    const session = await factory.forCredentials(alice);
    const flavors = await session.api.listFlavors({ token: session.token });

    expect(getToken).toHaveBeenCalledWith({
      onBehalfOf: alice,
      targetPluginId: 'dbaas',
    });
    expect(flavors).toEqual([postgresFlavor]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
