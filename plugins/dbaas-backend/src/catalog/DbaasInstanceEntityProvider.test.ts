import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import fs from 'fs';
import { AddressInfo } from 'net';
import request from 'supertest';
import { dbaasPlugin } from '../plugin';
import {
  makeDataDir,
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from '../__testUtils__/fixtures';
import { DbaasInstanceEntityProvider } from './DbaasInstanceEntityProvider';
import { testCatalogFactory } from '../__testUtils__/testOrg';

jest.setTimeout(60_000);

const flavor = postgresFlavor;

describe('DbaasInstanceEntityProvider', () => {
  it('puts each instance in the catalog as a database Resource, and takes deleted ones out', async () => {
    const dataDir = makeDataDir('catalog-test');
    const { server } = await startTestBackend({
      features: [
        dbaasPlugin,
        testCatalogFactory(),
        mockServices.rootConfig.factory({
          data: {
            dbaas: {
              flavors: [flavor],
              runtimes: { local: { dataDir } },
              encryption: { key: TEST_ENCRYPTION_KEY },
            },
          },
        }),
      ],
    });
    const { port } = server.address() as AddressInfo;
    const asAlice = `Bearer ${mockCredentials.user.token(
      'user:default/alice',
    )}`;
    const created = await request(server)
      .post('/api/dbaas/instances')
      .set('Authorization', asAlice)
      .send({
        name: 'orders-db',
        owner: 'group:default/team-a',
        flavorId: flavor.id,
        component: 'component:default/orders-service',
      });
    expect(created.status).toBe(202);

    const applyMutation = jest.fn();
    const provider = new DbaasInstanceEntityProvider({
      auth: mockServices.auth(),
      discovery: {
        getBaseUrl: async id => `http://localhost:${port}/api/${id}`,
        getExternalBaseUrl: async id => `http://localhost:${port}/api/${id}`,
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

    await request(server)
      .delete(`/api/dbaas/instances/${created.body.id}`)
      .set('Authorization', asAlice);
    for (let gone = false; !gone; ) {
      await new Promise(r => setTimeout(r, 200));
      gone =
        (
          await request(server)
            .get(`/api/dbaas/instances/${created.body.id}`)
            .set('Authorization', asAlice)
        ).status === 404;
    }
    await provider.refresh();
    expect(applyMutation).toHaveBeenLastCalledWith({
      type: 'full',
      entities: [],
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
