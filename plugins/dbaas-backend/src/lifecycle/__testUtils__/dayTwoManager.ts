import { BackendFeature } from '@backstage/backend-plugin-api';
import { Flavor, Instance } from '@dbaas/plugin-dbaas-common';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import request from 'supertest';
import { makeDataDir } from '../../__testUtils__/fixtures';
import { as, deleteAll } from '../../__testUtils__/managerApi';
import { startTestManager, TestManager } from '../../testUtils';

/** This machine's Docker engine as the Docker runtime's one host. */
export const THIS_DOCKER = {
  docker: {
    hosts: [
      {
        name: 'local-docker',
        url: 'unix:///var/run/docker.sock',
        publishAddress: '127.0.0.1',
      },
    ],
  },
};

/**
 * A test Manager serving one flavor on the local or the Docker runtime, called as alice: for
 * the day-2 tests, which create an instance and act on it. `start` in beforeAll, `stop` in
 * afterAll (it deletes what alice made and the data folder).
 */
export function dayTwoManager(
  name: string,
  runtime: 'local' | 'docker',
  flavor: Flavor,
  options: {
    features?: BackendFeature[];
    dbaas?: Record<string, unknown>;
  } = {},
) {
  let manager: TestManager | undefined;
  let dataDir = '';
  const h = {
    get manager() {
      return manager!;
    },
    get dataDir() {
      return dataDir;
    },
    api(method: 'get' | 'post' | 'patch' | 'delete', url: string) {
      return request(manager!.server)
        [method](`/api/dbaas${url}`)
        .set('Authorization', as('alice'));
    },
    /** The instance once `done` says so (default: running with no operation under way). */
    until(
      id: string,
      what = 'the operation to end',
      done: (i: Instance) => boolean = i =>
        i.status === 'running' && !i.operation,
      timeoutMs = 120_000,
    ) {
      return until(
        what,
        async () => (await h.api('get', `/instances/${id}`)).body as Instance,
        done,
        { timeoutMs, intervalMs: 250 },
      );
    },
    async start() {
      dataDir = makeDataDir(`${name}-${runtime}-${flavor.engine}`);
      manager = await startTestManager({
        dataDir,
        features: options.features,
        dbaas: {
          flavors: [flavor],
          defaultRuntime: runtime,
          runtimes: runtime === 'docker' ? THIS_DOCKER : {},
          ...options.dbaas,
        },
      });
    },
    async stop() {
      if (manager) {
        await deleteAll(manager.server, 'alice');
        await manager.stop();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}
