import { mockCredentials } from '@backstage/backend-test-utils';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import request from 'supertest';
import { sharedPostgresRuntimeModule } from '../runtimes/__testUtils__/sharedPostgresRuntimeModule';
import { Memberships, startTestManager } from '../testUtils';
import { makeDataDir } from './fixtures';

export type Server = Parameters<typeof request>[0];

/** The Authorization header of a user of the test catalog, e.g. `as('alice')`. */
export const as = (user: string) =>
  `Bearer ${mockCredentials.user.token(`user:default/${user}`)}`;

/** The machine's PostgreSQL, where the shared-postgres runtime makes each database. */
export const SHARED_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A flavor the shared-postgres runtime serves in well under a second. */
export const sharedFlavor = {
  id: 'postgresql-shared',
  engine: 'postgresql',
  version: '15',
  image: 'dbaas/postgresql:15',
  cpu: 1,
  memoryMiB: 256,
  storageGiB: { min: 1, max: 5, default: 1 },
};

/**
 * A fresh Manager whose default runtime is shared-postgres (each database a role and a
 * database on the machine's PostgreSQL): a create is real and fast. `dbaas` adds to its
 * config (quotas, rateLimit…). `stop()` deletes every instance left, and waits until gone.
 */
export async function startFastManager(options: {
  dbaas?: Record<string, unknown>;
  memberships?: Memberships;
  /** The users whose instances stop() deletes. */
  users: string[];
}) {
  const { server, dataDir } = await startTestManager({
    dataDir: makeDataDir('fast-manager'),
    memberships: options.memberships,
    features: [sharedPostgresRuntimeModule],
    dbaas: {
      flavors: [sharedFlavor],
      defaultRuntime: 'shared-postgres',
      runtimes: { 'shared-postgres': { url: SHARED_SERVER } },
      ...options.dbaas,
    },
  });
  return {
    server,
    async stop() {
      try {
        for (const user of options.users) await deleteAll(server, user);
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

const gone = (instance: Instance | undefined) =>
  JSON.stringify(instance) ?? 'gone';

/**
 * Polls GET /instances/{id} until `done` holds for the instance (undefined once it is gone);
 * fails after `timeoutMs` (default 60 s), saying what it waited for and the instance as last seen.
 */
export async function waitForInstance(
  server: Server,
  auth: string,
  id: string,
  what: string,
  done: (instance: Instance | undefined) => boolean,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Instance | undefined> {
  return until(
    `instance ${id} to be ${what}`,
    async () => {
      const res = await request(server)
        .get(`/api/dbaas/instances/${id}`)
        .set('Authorization', auth);
      return res.status === 404 ? undefined : (res.body as Instance);
    },
    done,
    { timeoutMs: 60_000, intervalMs: 100, ...options, show: gone },
  );
}

/** POST /instances as `auth`: the create's answer. */
export const postInstance = (server: Server, auth: string, body: object) =>
  request(server)
    .post('/api/dbaas/instances')
    .set('Authorization', auth)
    .send(body);

/** GET /instances/{id}/credentials as `auth`: the answer, the credentials its body. */
export const getCredentials = (server: Server, auth: string, id: string) =>
  request(server)
    .get(`/api/dbaas/instances/${id}/credentials`)
    .set('Authorization', auth);

/** DELETE /instances/{id} (its answer), then waits until the instance is gone. */
export async function deleteAndWait(server: Server, auth: string, id: string) {
  const res = await request(server)
    .delete(`/api/dbaas/instances/${id}`)
    .set('Authorization', auth);
  await waitForInstance(server, auth, id, 'deleted', i => i === undefined);
  return res;
}

/**
 * Deletes every instance the user can see (protected and stopped ones too, without final
 * backups) and waits until all are gone.
 */
export async function deleteAll(server: Server, user: string) {
  const auth = as(user);
  const { body } = await request(server)
    .get('/api/dbaas/instances?limit=500')
    .set('Authorization', auth);
  const instances: Instance[] = body.items ?? [];
  for (const { id, deletionProtection } of instances) {
    if (deletionProtection) {
      await request(server)
        .patch(`/api/dbaas/instances/${id}`)
        .set('Authorization', auth)
        .send({ deletionProtection: false });
    }
    // a test's clean-up needs no final backup (and a stopped database cannot get one)
    await request(server)
      .delete(`/api/dbaas/instances/${id}?skipFinalBackup=true`)
      .set('Authorization', auth);
  }
  for (const { id } of instances) {
    await waitForInstance(server, auth, id, 'deleted', i => i === undefined);
  }
}
