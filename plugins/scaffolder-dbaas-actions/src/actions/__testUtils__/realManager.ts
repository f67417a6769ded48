import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ResponseError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import dbaasBackendPlugin from '@dbaas/plugin-dbaas-backend';
import { DbaasApi, Instance } from '@dbaas/plugin-dbaas-common';
import { portFree, processesUsing } from 'e2e-tests';
import fs from 'fs';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import {
  createManagerClientFactory,
  ManagerClientFactory,
  ManagerSession,
} from '../../managerClient';

/** A flavor the local runtime serves on this machine (its embedded PostgreSQL 17). */
export const localFlavor = {
  id: 'postgresql-17-small',
  engine: 'postgresql',
  version: '17',
  image: 'dbaas/postgresql:17',
  cpu: 1,
  memoryMiB: 256,
  storageGiB: { min: 1, max: 5, default: 1 },
};

/**
 * The real DBaaS Manager in a test backend, on the local runtime with a data folder of its
 * own, and the actions' client to it as the test's user alice (a member of team-a).
 */
export async function startRealManager() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-actions-'));
  fs.chmodSync(dataDir, 0o711);
  const { server } = await startTestBackend({
    features: [
      dbaasBackendPlugin,
      catalogServiceMock.factory({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'User',
            metadata: { name: 'alice', namespace: 'default' },
            spec: {},
            relations: [
              { type: 'memberOf', targetRef: 'group:default/team-a' },
            ],
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: { name: 'team-a', namespace: 'default' },
            spec: {},
          },
        ],
      }),
      mockServices.rootConfig.factory({
        data: {
          dbaas: {
            flavors: [localFlavor],
            runtimes: { local: { dataDir } },
            encryption: { key: 'actions test key, sixteen or more' },
          },
        },
      }),
    ],
  });
  const baseUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
  const manager = createManagerClientFactory({
    discovery: {
      getBaseUrl: async id => `${baseUrl}/api/${id}`,
      getExternalBaseUrl: async id => `${baseUrl}/api/${id}`,
    },
    auth: mockServices.auth(),
  });
  const session = await manager.forCredentials(
    mockCredentials.user('user:default/alice'),
  );
  const options = { token: session.token };

  const real = {
    manager,
    session,
    dataDir,

    /** The instance, or undefined once it is gone (404). */
    async get(id: string): Promise<Instance | undefined> {
      try {
        return await session.api.getInstance(id, options);
      } catch (error) {
        if (error instanceof ResponseError && error.statusCode === 404) {
          return undefined;
        }
        throw error;
      }
    },

    /** Every instance of this Manager (the test's user sees them all). */
    async list(): Promise<Instance[]> {
      return (await session.api.listInstances({ limit: 500 }, options)).items;
    },

    /** Polls until `done` holds; fails after `timeoutMs`, saying what it waited for and what it saw last. */
    async waitFor(
      id: string,
      what: string,
      done: (instance: Instance | undefined) => boolean,
      timeoutMs = 90_000,
    ): Promise<Instance | undefined> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const instance = await real.get(id);
        if (done(instance)) return instance;
        if (Date.now() > deadline) {
          throw new Error(
            `Waited ${
              timeoutMs / 1000
            } s for instance ${id} to be ${what}; last seen: ${
              JSON.stringify(instance) ?? 'gone'
            }`,
          );
        }
        await new Promise(r => setTimeout(r, 100));
      }
    },

    /** The port of an instance's local host, once the runtime chose it (from its host.json). */
    hostPort(id: string): number | undefined {
      try {
        return JSON.parse(
          fs.readFileSync(path.join(dataDir, id, 'host.json'), 'utf8'),
        ).port;
      } catch {
        return undefined;
      }
    },

    /** What an instance left on the machine: its data folder, processes, its port if known. */
    async leftoversOf(id: string, port?: number): Promise<string[]> {
      const dir = path.join(dataDir, id);
      return [
        ...(fs.existsSync(dir) ? [`data directory ${dir}`] : []),
        ...processesUsing(dir),
        ...(port !== undefined && !(await portFree(port))
          ? [`port ${port} still listening`]
          : []),
      ];
    },

    /** Deletes every instance (protected ones too), waits until all are gone, removes the data folder. */
    async stop() {
      const left = await real.list();
      for (const { id, deletionProtection } of left) {
        if (deletionProtection) {
          await session.api.updateInstance(
            id,
            { deletionProtection: false },
            options,
          );
        }
        await session.api.deleteInstance(id, options);
      }
      for (const { id } of left) {
        await real.waitFor(id, 'deleted', i => i === undefined);
      }
      const servers = processesUsing(dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (servers.length) {
        throw new Error(`servers left after the test: ${servers.join('; ')}`);
      }
    },
  };
  return real;
}

export type RealManager = Awaited<ReturnType<typeof startRealManager>>;

/**
 * The Manager's client with `then` run after each call of `method` returned (the Manager
 * did it): `then` may throw, as a task worker that dies there, or cancel the task.
 */
export function afterCalls<M extends keyof DbaasApi>(
  manager: ManagerClientFactory,
  method: M,
  then: (result: Awaited<ReturnType<DbaasApi[M]>>) => void,
): ManagerClientFactory {
  return {
    async forCredentials(credentials) {
      const session = await manager.forCredentials(credentials);
      const api = Object.create(session.api) as DbaasApi;
      api[method] = (async (...args: unknown[]) => {
        const result = await (session.api[method] as Function)(...args);
        then(result);
        return result;
      }) as DbaasApi[M];
      return { ...session, api };
    },
  };
}
export type { ManagerSession };
