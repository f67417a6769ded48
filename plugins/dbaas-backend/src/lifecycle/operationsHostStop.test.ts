/*
 * Stop and start on a runtime whose hosts stop and start too (as EC2's VMs do): the host
 * stops after the server and starts before it, a host that comes back changed is recorded,
 * a restart leaves the host alone, and a stop run again after the host stopped asks nothing
 * of the unreachable server.
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import { Credentials, Instance } from '@dbaas/plugin-dbaas-common';
import {
  dbaasRuntimesExtensionPoint,
  HostRef,
  Runtime,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import { postgresFlavor, until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import request from 'supertest';
import { appSql } from '../__testUtils__/appSql';
import { makeDataDir } from '../__testUtils__/fixtures';
import { as, deleteAll, getCredentials } from '../__testUtils__/managerApi';
import { createLocalRuntime } from '../runtimes/local';
import { startTestManager, TestManager } from '../testUtils';

jest.setTimeout(240_000);

const asAlice = as('alice');

/** The local runtime, with hosts that stop: a stopped host's server cannot be reached. */
function stoppingHosts(dataDir: string) {
  const journal: string[] = [];
  const stopped = new Set<string>();
  let failNextHostStop = false;
  const inner = createLocalRuntime({ dataDir, host: '127.0.0.1' });
  const reachable = (ref: HostRef) => {
    if (stopped.has(ref.instanceId)) {
      throw new RuntimeFault('HOST_UNAVAILABLE', 'the host is stopped');
    }
  };
  const boots = (ref: HostRef) => Number(ref.data.boots ?? 0);
  const runtime: Runtime = {
    ...inner,
    name: 'stopping-local',
    host: {
      ...inner.host,
      provision: (spec, ctx) => inner.host.provision(spec, ctx),
      find: id => inner.host.find(id),
      destroy: (ref, ctx) => inner.host.destroy(ref, ctx),
      describe: async ref => ({
        ...(await inner.host.describe(ref)),
        stopped: stopped.has(ref.instanceId),
      }),
      stop: async ref => {
        journal.push('host.stop');
        stopped.add(ref.instanceId);
        if (failNextHostStop) {
          // stopped, but the answer is lost (a crash or a timeout right after)
          failNextHostStop = false;
          throw new RuntimeFault('TIMEOUT', 'lost the answer');
        }
      },
      start: async ref => {
        journal.push('host.start');
        stopped.delete(ref.instanceId);
        // it comes back changed (a new address, say)
        return { ...ref, data: { ...ref.data, boots: boots(ref) + 1 } };
      },
    },
    engine: {
      ...inner.engine,
      deploy: (ref, spec, secrets, ctx) =>
        inner.engine.deploy(ref, spec, secrets, ctx),
      health: async (ref, spec, secrets) =>
        stopped.has(ref.instanceId)
          ? { state: 'unhealthy', message: 'the host is stopped' }
          : inner.engine.health(ref, spec, secrets),
      stop: async (ref, spec, ctx) => {
        reachable(ref);
        journal.push(`engine.stop(boots=${boots(ref)})`);
        await inner.engine.stop(ref, spec, ctx);
      },
      start: async (ref, spec, secrets, ctx) => {
        reachable(ref);
        journal.push(`engine.start(boots=${boots(ref)})`);
        return inner.engine.start(ref, spec, secrets, ctx);
      },
      remove: (ref, spec, ctx) => inner.engine.remove(ref, spec, ctx),
      logs: inner.engine.logs?.bind(inner.engine),
    },
  };
  return {
    runtime,
    journal,
    failNextHostStop: () => {
      failNextHostStop = true;
    },
  };
}

describe('stop and start on a runtime whose hosts stop', () => {
  let manager: TestManager;
  let dataDir: string;
  let hosts: ReturnType<typeof stoppingHosts>;
  const api = (method: 'get' | 'post' | 'delete', url: string) =>
    request(manager.server)
      [method](`/api/dbaas${url}`)
      .set('Authorization', asAlice);
  const settled = (id: string) =>
    until(
      `${id}'s operation to end`,
      async () => (await api('get', `/instances/${id}`)).body as Instance,
      i => !i.operation && i.status !== 'provisioning',
      { timeoutMs: 120_000, intervalMs: 200 },
    );

  beforeAll(async () => {
    dataDir = makeDataDir('operations-host-stop');
    hosts = stoppingHosts(dataDir);
    manager = await startTestManager({
      dataDir,
      features: [
        createBackendModule({
          pluginId: 'dbaas',
          moduleId: 'stopping-local-runtime',
          register(reg) {
            reg.registerInit({
              deps: { runtimes: dbaasRuntimesExtensionPoint },
              async init({ runtimes }) {
                runtimes.addRuntime({
                  name: 'stopping-local',
                  create: () => hosts.runtime,
                });
              },
            });
          },
        }),
      ],
      dbaas: {
        flavors: [postgresFlavor],
        defaultRuntime: 'stopping-local',
        runtimes: { 'stopping-local': { enabled: true } },
      },
    });
  });

  afterAll(async () => {
    await deleteAll(manager.server, 'alice');
    await manager.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the host after the server, starts it before, records the host it came back as, and restarts the server only', async () => {
    const created = await api('post', '/instances').send({
      name: 'ops-host-stop',
      owner: 'team-a',
      flavorId: postgresFlavor.id,
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    expect(await settled(id)).toMatchObject({ status: 'running' });
    const creds = async () =>
      (await getCredentials(manager.server, asAlice, id)).body as Credentials;
    await appSql('postgresql', await creds(), 'CREATE TABLE kept (v TEXT)');
    await appSql('postgresql', await creds(), "INSERT INTO kept VALUES ('x')");

    // the host stops but the answer is lost: the stop fails, and the instance stays as it was
    hosts.failNextHostStop();
    expect((await api('post', `/instances/${id}/stop`)).status).toBe(202);
    expect(await settled(id)).toMatchObject({ status: 'running' });
    expect(hosts.journal.splice(0)).toEqual([
      'engine.stop(boots=0)',
      'host.stop',
    ]);
    // asked again, the stop does not reach for the server on the stopped host
    expect((await api('post', `/instances/${id}/stop`)).status).toBe(202);
    expect(await settled(id)).toMatchObject({
      status: 'stopped',
      operation: null,
    });
    expect(hosts.journal.splice(0)).toEqual(['host.stop']);

    expect((await api('post', `/instances/${id}/start`)).status).toBe(202);
    expect(await settled(id)).toMatchObject({
      status: 'running',
      health: 'healthy',
    });
    expect(hosts.journal.splice(0)).toEqual([
      'host.start',
      'engine.start(boots=1)',
    ]);
    expect(
      await appSql('postgresql', await creds(), 'SELECT v FROM kept'),
    ).toEqual([{ v: 'x' }]);

    // the host as it came back is the one recorded; a restart keeps it running
    expect((await api('post', `/instances/${id}/restart`)).status).toBe(202);
    expect(await settled(id)).toMatchObject({ status: 'running' });
    expect(hosts.journal.splice(0)).toEqual([
      'engine.stop(boots=1)',
      'engine.start(boots=1)',
    ]);
  });
});
