import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { dbaasPlugin } from './plugin';
import { mariadbFlavor, postgresFlavor } from './__testUtils__/fixtures';

// starts a Manager (or streams 20 MiB): more than Jest's 5 s on a busy 2-core machine
jest.setTimeout(60_000);

const flavors = [
  { ...postgresFlavor, title: 'PostgreSQL 17 (small)' },
  mariadbFlavor,
];

/** The plugin with nothing configured but its flavors. */
const start = (configured: object[] = flavors) =>
  startTestBackend({
    features: [
      dbaasPlugin,
      mockServices.rootConfig.factory({
        data: { dbaas: { flavors: configured } },
      }),
    ],
  });

describe('dbaas backend plugin', () => {
  it('serves the configured flavors at GET /api/dbaas/flavors', async () => {
    const { server } = await start();

    const response = await request(server).get('/api/dbaas/flavors');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: flavors });
  });

  it('lists the runtimes with the flavors each can serve', async () => {
    const { server } = await start();

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
    const { server } = await start();

    const response = await request(server)
      .get('/api/dbaas/flavors')
      .set('Authorization', 'Bearer not-a-token');

    expect(response.status).toBe(401);
  });

  it('fails start-up on a wrong flavor, naming the key', async () => {
    await expect(start([{ ...flavors[0], cpu: 'lots' }])).rejects.toThrow(
      "Invalid app-config at 'dbaas.flavors[0].cpu'",
    );
  });
});
