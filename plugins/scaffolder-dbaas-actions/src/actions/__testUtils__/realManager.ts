import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ResponseError } from '@backstage/errors';
import { startTestManager } from '@dbaas/plugin-dbaas-backend/testUtils';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { makeDataDir, until } from '@dbaas/plugin-dbaas-node/testUtils';
import { portFree, processesUsing } from 'e2e-tests';
import fs from 'fs';
import path from 'path';
import {
  createManagerClientFactory,
  ManagerApi,
  ManagerClientFactory,
  ManagerSession,
} from '../../managerClient';

/**
 * The real DBaaS Manager in a test backend, on the local runtime with a data folder of its
 * own and the test flavor `postgresFlavor` (its embedded PostgreSQL 17), and the actions'
 * client to it as the test's user alice (a member of team-a).
 */
export async function startRealManager() {
  const { baseUrl, dataDir } = await startTestManager({
    dataDir: makeDataDir('actions'),
  });
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

    /** Polls until `done` holds; fails after 90 s, saying what it waited for and what it saw last. */
    waitFor(
      id: string,
      what: string,
      done: (instance: Instance | undefined) => boolean,
    ): Promise<Instance | undefined> {
      return until(`instance ${id} to be ${what}`, () => real.get(id), done, {
        timeoutMs: 90_000,
        intervalMs: 100,
        show: instance => JSON.stringify(instance) ?? 'gone',
      });
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
export function afterCalls<M extends keyof ManagerApi>(
  manager: ManagerClientFactory,
  method: M,
  then: (result: Awaited<ReturnType<ManagerApi[M]>>) => void,
): ManagerClientFactory {
  return {
    async forCredentials(credentials) {
      const session = await manager.forCredentials(credentials);
      const api = Object.create(session.api) as ManagerApi;
      api[method] = (async (...args: unknown[]) => {
        const result = await (session.api[method] as Function)(...args);
        then(result);
        return result;
      }) as ManagerApi[M];
      return { ...session, api };
    },
  };
}
export type { ManagerSession };
