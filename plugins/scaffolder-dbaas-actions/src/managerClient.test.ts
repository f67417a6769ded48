import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import dbaasBackendPlugin from '@dbaas/plugin-dbaas-backend';
import { AddressInfo } from 'net';
import { createManagerClientFactory } from './managerClient';

const flavor = {
  id: 'postgresql-17-small',
  engine: 'postgresql',
  version: '17',
  image: 'dbaas/postgresql:17',
  cpu: 1,
  memoryMiB: 1024,
  storageGiB: { min: 1, max: 50, default: 5 },
};

describe('createManagerClientFactory', () => {
  it('calls the Manager over HTTP with a token issued on behalf of the user', async () => {
    const { server } = await startTestBackend({
      features: [
        dbaasBackendPlugin,
        mockServices.rootConfig.factory({
          data: { dbaas: { flavors: [flavor] } },
        }),
      ],
    });
    const { port } = server.address() as AddressInfo;
    const auth = mockServices.auth();
    const getToken = jest.spyOn(auth, 'getPluginRequestToken');
    const factory = createManagerClientFactory({
      discovery: {
        getBaseUrl: async id => `http://localhost:${port}/api/${id}`,
        getExternalBaseUrl: async id => `http://localhost:${port}/api/${id}`,
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
    expect(flavors).toEqual([flavor]);
  });
});
