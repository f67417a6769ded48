import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import fs from 'fs';
import { postgresFlavor } from '../__testUtils__/fixtures';
import {
  deleteAndWait,
  postInstance,
  waitForInstance,
} from '../__testUtils__/managerApi';
import { startTestManager } from '../testUtils';
import { DbaasInstanceEntityProvider } from './DbaasInstanceEntityProvider';

jest.setTimeout(60_000);

/** The provider reading the Manager at `baseUrl`, as the catalog module makes it. */
function providerFor(baseUrl: string) {
  return new DbaasInstanceEntityProvider({
    auth: mockServices.auth(),
    discovery: {
      getBaseUrl: async id => `${baseUrl}/api/${id}`,
      getExternalBaseUrl: async id => `${baseUrl}/api/${id}`,
    },
    logger: mockServices.logger.mock(),
    appBaseUrl: 'http://localhost:3000',
  });
}

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
    const provider = providerFor(baseUrl);
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

  it('between full syncs, applies what changed as a delta: new and changed instances added, deleted ones removed', async () => {
    const { server, baseUrl, dataDir } = await startTestManager();
    const asAlice = `Bearer ${mockCredentials.user.token(
      'user:default/alice',
    )}`;
    const applyMutation = jest.fn();
    const provider = providerFor(baseUrl);
    try {
      await provider.connect({ applyMutation, refresh: jest.fn() });
      await provider.sync(); // the first run is a full sync
      expect(applyMutation).toHaveBeenLastCalledWith({
        type: 'full',
        entities: [],
      });

      const created = await postInstance(server, asAlice, {
        name: 'delta-db',
        owner: 'group:default/team-a',
        flavorId: postgresFlavor.id,
      });
      expect(created.status).toBe(202);
      await provider.sync();
      const added = applyMutation.mock.lastCall![0];
      expect(added.type).toBe('delta');
      expect(added.removed).toEqual([]);
      expect(added.added.map((d: any) => d.entity.metadata.name)).toContain(
        'delta-db',
      );
      // read again inside the overlap but unchanged since it was applied: not applied again
      await waitForInstance(
        server,
        asAlice,
        created.body.id,
        'running',
        i => i?.status === 'running',
      );
      await provider.sync();
      const runs = applyMutation.mock.calls.length;
      await provider.sync();
      expect(applyMutation.mock.calls.length).toBe(runs);

      await deleteAndWait(server, asAlice, created.body.id);
      await provider.sync();
      expect(applyMutation.mock.lastCall![0]).toMatchObject({
        type: 'delta',
        added: [],
        removed: [
          {
            entityRef: 'resource:default/delta-db',
            locationKey: 'dbaas:instances',
          },
        ],
      });

      // the freed name taken again: the deletion, still read back, leaves the new Resource be
      const again = await postInstance(server, asAlice, {
        name: 'delta-db',
        owner: 'group:default/team-a',
        flavorId: postgresFlavor.id,
      });
      expect(again.status).toBe(202);
      await provider.sync();
      const last = applyMutation.mock.lastCall![0];
      expect(last.removed).toEqual([]);
      expect(
        last.added.map(
          (d: any) =>
            d.entity.metadata.annotations['dbaas.backstage.io/instance-id'],
        ),
      ).toContain(again.body.id);
      await deleteAndWait(server, asAlice, again.body.id);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
