import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import fs from 'fs';
import { postgresFlavor } from '../__testUtils__/fixtures';
import { deleteAndWait, postInstance } from '../__testUtils__/managerApi';
import { startTestManager } from '../testUtils';
import { DbaasInstanceEntityProvider } from './DbaasInstanceEntityProvider';

jest.setTimeout(60_000);

describe('DbaasInstanceEntityProvider', () => {
  it('puts each instance in the catalog as a database Resource, and takes deleted ones out', async () => {
    const { server, baseUrl, dataDir } = await startTestManager();
    const asAlice = `Bearer ${mockCredentials.user.token(
      'user:default/alice',
    )}`;
    const created = await postInstance(server, asAlice, {
      name: 'orders-db',
      owner: 'group:default/team-a',
      flavorId: postgresFlavor.id,
      component: 'component:default/orders-service',
    });
    expect(created.status).toBe(202);

    const applyMutation = jest.fn();
    const provider = new DbaasInstanceEntityProvider({
      auth: mockServices.auth(),
      discovery: {
        getBaseUrl: async id => `${baseUrl}/api/${id}`,
        getExternalBaseUrl: async id => `${baseUrl}/api/${id}`,
      },
      logger: mockServices.logger.mock(),
      appBaseUrl: 'http://localhost:3000',
    });
    await provider.connect({ applyMutation, refresh: jest.fn() });
    await provider.refresh();

    expect(applyMutation).toHaveBeenLastCalledWith({
      type: 'full',
      entities: [
        {
          locationKey: 'dbaas:instances',
          entity: expect.objectContaining({
            kind: 'Resource',
            metadata: expect.objectContaining({
              name: 'orders-db',
              annotations: expect.objectContaining({
                'dbaas.backstage.io/instance-id': created.body.id,
                'dbaas.backstage.io/flavor': 'postgresql-17-small',
                'dbaas.backstage.io/engine': 'postgresql',
                'dbaas.backstage.io/runtime': 'local',
              }),
              links: [
                expect.objectContaining({
                  url: `http://localhost:3000/dbaas/instances/${created.body.id}`,
                }),
              ],
            }),
            spec: {
              type: 'database',
              owner: 'group:default/team-a',
              dependencyOf: ['component:default/orders-service'],
            },
          }),
        },
      ],
    });

    await deleteAndWait(server, asAlice, created.body.id);
    await provider.refresh();
    expect(applyMutation).toHaveBeenLastCalledWith({
      type: 'full',
      entities: [],
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
