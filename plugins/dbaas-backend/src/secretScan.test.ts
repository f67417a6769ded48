import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Instance } from '@dbaas/plugin-dbaas-common';
import Docker from 'dockerode';
import fs from 'fs';
import knexFactory from 'knex';
import path from 'path';
import request from 'supertest';
import { instanceToEntity } from './catalog/instanceToEntity';
import { SecretBox } from './crypto/SecretBox';
import { LABEL_INSTANCE } from '@dbaas/plugin-dbaas-node';
import { readPid } from './runtimes/local/processes';
import {
  dockerFlavor,
  makeDataDir,
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from './__testUtils__/fixtures';
import { capturingLogger } from './__testUtils__/capturingLogger';
import {
  deleteAll,
  getCredentials,
  postInstance,
  waitForInstance,
} from './__testUtils__/managerApi';
import { startTestManager } from './testUtils';

/**
 * One scan of every place a secret could leak to: log lines, events, audit records, the
 * catalog entity, the Docker container's labels and environment, the local server's
 * environment (the Kubernetes and EC2 modules scan their own objects and user-data).
 */
jest.setTimeout(240_000);

const asAlice = `Bearer ${mockCredentials.user.token('user:default/alice')}`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Every string of at least 12 characters inside a value, and each line of a PEM block. */
function secretStrings(value: unknown): string[] {
  if (typeof value === 'string') {
    if (value.includes('-----BEGIN')) {
      return value
        .split('\n')
        .filter(line => line.length >= 12 && !line.startsWith('-----'));
    }
    return value.length >= 12 ? [value] : [];
  }
  if (value && typeof value === 'object') {
    return Object.values(value).flatMap(secretStrings);
  }
  return [];
}

describe('no secret leaves the store', () => {
  it('finds no password or key in logs, events, audit, catalog, Docker, the server environment', async () => {
    await docker.ping();
    const dataDir = makeDataDir('secret-scan');
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dataDir, 'store.sqlite') },
      useNullAsDefault: true,
    });
    const { logger, lines: logs } = capturingLogger();
    const audits: unknown[] = [];
    const auditor = createServiceFactory({
      service: coreServices.auditor,
      deps: {},
      factory: () => ({
        async createEvent(options: any) {
          const { request: _req, ...rest } = options;
          const record = (outcome: string) => async (more?: unknown) => {
            audits.push({ ...rest, outcome, more });
          };
          return { success: record('success'), fail: record('fail') };
        },
      }),
    });
    process.env.DBAAS_SCAN_BACKEND_SECRET = 'backend-only-secret-value-0123';
    const { server } = await startTestManager({
      dataDir,
      features: [
        logger.factory,
        auditor,
        mockServices.database.factory({ knex }),
      ],
      dbaas: {
        flavors: [postgresFlavor, dockerFlavor],
        runtimes: {
          docker: {
            hosts: [
              {
                name: 'local-docker',
                url: 'unix:///var/run/docker.sock',
                publishAddress: '127.0.0.1',
              },
            ],
          },
        },
      },
    });

    const ids: Record<string, string> = {};
    try {
      for (const [runtime, flavorId] of [
        ['local', postgresFlavor.id],
        ['docker', dockerFlavor.id],
      ]) {
        const created = await postInstance(server, asAlice, {
          name: `scan-${runtime}`,
          owner: 'group:default/team-a',
          flavorId,
          runtime,
        });
        expect(created.status).toBe(202);
        ids[runtime] = created.body.id;
      }
      const instances: Record<string, Instance> = {};
      for (const [runtime, id] of Object.entries(ids)) {
        const instance = await waitForInstance(
          server,
          asAlice,
          id,
          'running (or failed)',
          i => i?.status === 'running' || i?.status === 'failed',
          { timeoutMs: 120_000, intervalMs: 200 },
        );
        expect(instance).toMatchObject({ status: 'running' });
        instances[runtime] = instance!;
        // a read of the password is audited too
        await getCredentials(server, asAlice, id);
      }

      const box = new SecretBox(TEST_ENCRYPTION_KEY);
      const secrets = (await knex('dbaas_instances').select('secrets')).flatMap(
        row => secretStrings(box.open(row.secrets)),
      );
      expect(secrets.length).toBeGreaterThanOrEqual(4);

      const places: Record<string, string> = {
        logs: logs.join('\n'),
        audit: JSON.stringify(audits),
      };
      for (const [runtime, instance] of Object.entries(instances)) {
        places[`${runtime} events`] = JSON.stringify(
          (
            await request(server)
              .get(`/api/dbaas/instances/${instance.id}/events`)
              .set('Authorization', asAlice)
          ).body,
        );
        places[`${runtime} instance`] = JSON.stringify(instance);
        places[`${runtime} catalog entity`] = JSON.stringify(
          instanceToEntity(instance, {
            appBaseUrl: 'http://localhost:3000',
            nameTaken: false,
          }),
        );
      }
      const [container] = await docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_INSTANCE}=${ids.docker}`] },
      });
      const inspected = await docker.getContainer(container.Id).inspect();
      places['docker labels'] = JSON.stringify(inspected.Config.Labels);
      places['docker env'] = JSON.stringify(inspected.Config.Env);
      const pid = await readPid(
        path.join(dataDir, ids.local, 'pgdata', 'postmaster.pid'),
      );
      places['local server environment'] = fs
        .readFileSync(`/proc/${pid}/environ`, 'utf8')
        .replace(/\0/g, '\n');

      const leaks = Object.entries(places).flatMap(([place, text]) =>
        secrets
          .filter(secret => text.includes(secret))
          .map(secret => `${place}: ${secret.slice(0, 4)}…`),
      );
      expect(leaks).toEqual([]);
      // the local server does not inherit the backend's environment
      expect(places['local server environment']).not.toContain(
        'DBAAS_SCAN_BACKEND_SECRET',
      );
      for (const text of Object.values(places)) {
        expect(text).not.toContain('PRIVATE KEY');
      }
    } finally {
      // even when a check fails, nothing of this test outlives it
      await deleteAll(server, 'alice');
    }
    delete process.env.DBAAS_SCAN_BACKEND_SECRET;
    await knex.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
