import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { dbaasPlugin } from './plugin';

const flavors = [
  {
    id: 'postgresql-17-small',
    title: 'PostgreSQL 17 (small)',
    engine: 'postgresql',
    version: '17',
    image: 'dbaas/postgresql:17',
    cpu: 1,
    memoryMiB: 1024,
    storageGiB: { min: 1, max: 50, default: 5 },
  },
  {
    id: 'mariadb-10-11-small',
    engine: 'mariadb',
    version: '10.11',
    image: 'dbaas/mariadb:10.11',
    cpu: 1,
    memoryMiB: 1024,
    storageGiB: { min: 1, max: 50, default: 5 },
  },
];

describe('dbaas backend plugin', () => {
  it('serves the configured flavors at GET /api/dbaas/flavors', async () => {
    const { server } = await startTestBackend({
      features: [
        dbaasPlugin,
        mockServices.rootConfig.factory({ data: { dbaas: { flavors } } }),
      ],
    });

    const response = await request(server).get('/api/dbaas/flavors');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: flavors });
  });

  it('lists the runtimes with the flavors each can serve', async () => {
    const { server } = await startTestBackend({
      features: [
        dbaasPlugin,
        mockServices.rootConfig.factory({ data: { dbaas: { flavors } } }),
      ],
    });

    const response = await request(server).get('/api/dbaas/runtimes');

    expect(response.body).toEqual({
      defaultRuntime: 'local',
      items: [
        {
          name: 'local',
          flavorIds: ['postgresql-17-small', 'mariadb-10-11-small'],
        },
      ],
    });
  });

  it('refuses anonymous callers', async () => {
    const { server } = await startTestBackend({
      features: [
        dbaasPlugin,
        mockServices.rootConfig.factory({ data: { dbaas: { flavors } } }),
      ],
    });

    const response = await request(server)
      .get('/api/dbaas/flavors')
      .set('Authorization', 'Bearer not-a-token');

    expect(response.status).toBe(401);
  });

  it('fails start-up on a wrong flavor, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          dbaasPlugin,
          mockServices.rootConfig.factory({
            data: { dbaas: { flavors: [{ ...flavors[0], cpu: 'lots' }] } },
          }),
        ],
      }),
    ).rejects.toThrow("Invalid app-config at 'dbaas.flavors[0].cpu'");
  });
});
