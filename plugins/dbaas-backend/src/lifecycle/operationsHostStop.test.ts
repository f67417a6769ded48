/*
 * Stop and start on a runtime whose hosts stop and start too (as EC2's VMs do): the host
 * stops after the server and starts before it; a host that comes back at another address (a
 * public address) is recorded and its server serves a certificate issued again for it, after
 * a start and after a flavor change that resizes the host; a restart leaves the host alone;
 * a stop run again after the host stopped asks nothing of the unreachable server. On the
 * local and the Docker runtime (whose start puts the new certificate into the container).
 */
import { ConfigReader } from '@backstage/config';
import {
  Credentials,
  Endpoint,
  Flavor,
  Instance,
} from '@dbaas/plugin-dbaas-common';
import { Client } from 'pg';
import tls from 'tls';
import {
  EngineSpec,
  HostRef,
  Runtime,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import { postgresFlavor, until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import request from 'supertest';
import { appSql } from '../__testUtils__/appSql';
import { testRuntimeModule } from '../__testUtils__/testRuntimeModule';
import { dockerFlavor, makeDataDir } from '../__testUtils__/fixtures';
import { as, deleteAll, getCredentials } from '../__testUtils__/managerApi';
import { createLocalRuntime } from '../runtimes/local';
import {
  createDockerRuntime,
  readDockerRuntimeConfig,
} from '../runtimes/docker';
import { startTestManager, TestManager } from '../testUtils';
import { THIS_DOCKER } from './__testUtils__/dayTwoManager';

jest.setTimeout(240_000);

const asAlice = as('alice');

/** The address a host comes back at after its nth boot (TEST-NET-1): a new one each time. */
const addressAfter = (boots: number) => `192.0.2.${10 + boots}`;
const SERVER_ADDRESS = '127.0.0.1';

/** The server's side of a host ref: every new address leads to where the server listens. */
const atServer = (ref: HostRef): HostRef =>
  ref.address.startsWith('192.0.2.')
    ? { ...ref, address: SERVER_ADDRESS }
    : ref;

/** An endpoint as a VM's runtime tells clients: at the host's address. */
const atHost = (
  ref: HostRef,
  spec: EngineSpec,
  endpoint: Endpoint | void,
): Endpoint => ({
  host: ref.address,
  // the local runtime's start returns no endpoint: its port is in the host ref
  port: endpoint?.port ?? Number(ref.data.port),
  database: spec.database,
  user: spec.username,
});

/** A runtime whose hosts stop: a stopped host's server cannot be reached. */
function stoppingHosts(inner: Runtime) {
  const journal: string[] = [];
  const stopped = new Set<string>();
  let failNextHostStop = false;
  const reachable = (ref: HostRef) => {
    if (stopped.has(ref.instanceId)) {
      throw new RuntimeFault('HOST_UNAVAILABLE', 'the host is stopped');
    }
  };
  const boots = (ref: HostRef) => Number(ref.data.boots ?? 0);
  // the inner runtime's own methods stay (its prototype's too); these are wrapped
  const host: Runtime['host'] = Object.assign(Object.create(inner.host), {
    provision: (spec, ctx) => inner.host.provision(spec, ctx),
    find: id => inner.host.find(id),
    destroy: (ref, ctx) => inner.host.destroy(atServer(ref), ctx),
    describe: async ref => ({
      ...(await inner.host.describe(atServer(ref))),
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
      // it comes back changed: another address, one more boot
      return {
        ...ref,
        address: addressAfter(boots(ref) + 1),
        data: { ...ref.data, boots: boots(ref) + 1 },
      };
    },
    changeFlavor: async (_ref, flavor) => {
      journal.push(`host.changeFlavor(${flavor.id})`);
    },
  } satisfies Partial<Runtime['host']>);
  const engine: Runtime['engine'] = Object.assign(Object.create(inner.engine), {
    deploy: (ref, spec, secrets, ctx) =>
      inner.engine.deploy(atServer(ref), spec, secrets, ctx),
    health: async (ref, spec, secrets) =>
      stopped.has(ref.instanceId)
        ? { state: 'unhealthy', message: 'the host is stopped' }
        : inner.engine.health(atServer(ref), spec, secrets),
    stop: async (ref, spec, ctx) => {
      reachable(ref);
      journal.push(`engine.stop(boots=${boots(ref)})`);
      await inner.engine.stop(atServer(ref), spec, ctx);
    },
    start: async (ref, spec, secrets, ctx) => {
      reachable(ref);
      journal.push(`engine.start(boots=${boots(ref)})`);
      return atHost(
        ref,
        spec,
        await inner.engine.start(atServer(ref), spec, secrets, ctx),
      );
    },
    replace: async (ref, spec, secrets, ctx) => {
      journal.push(`engine.replace(boots=${boots(ref)})`);
      return atHost(
        ref,
        spec,
        await inner.engine.replace!(atServer(ref), spec, secrets, ctx),
      );
    },
    admin: {
      query: (ref, spec, secrets, sql, options) =>
        inner.engine.admin!.query(atServer(ref), spec, secrets, sql, options),
      usedBytes: (ref, spec) =>
        inner.engine.admin!.usedBytes(atServer(ref), spec),
    },
    remove: (ref, spec, ctx) => inner.engine.remove(atServer(ref), spec, ctx),
  } satisfies Partial<Runtime['engine']>);
  const runtime: Runtime = { ...inner, name: 'stopping', host, engine };
  return {
    runtime,
    journal,
    failNextHostStop: () => {
      failNextHostStop = true;
    },
  };
}

const innerRuntimes = {
  local: (dataDir: string) =>
    createLocalRuntime({ dataDir, host: SERVER_ADDRESS }),
  // this machine's engine, publishing on SERVER_ADDRESS
  docker: () =>
    createDockerRuntime(
      readDockerRuntimeConfig(new ConfigReader(THIS_DOCKER.docker)),
    ),
};

/**
 * Rows read as the application user from the server (reached where it listens), over TLS that
 * verifies its certificate with the CA and for the host name clients are told.
 */
async function rowsVerifiedFor(c: Credentials, text: string) {
  const client = new Client({
    host: SERVER_ADDRESS,
    port: c.port,
    database: c.database,
    user: c.username,
    password: c.password,
    ssl: {
      ca: c.ca,
      rejectUnauthorized: true,
      checkServerIdentity: (_name, cert) =>
        tls.checkServerIdentity(c.host, cert),
    },
  });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe.each([
  ['local', postgresFlavor],
  ['docker', { ...dockerFlavor, memoryMiB: 512 }],
] as const)(
  'stop and start on the %s runtime whose hosts stop',
  (inner, flavor: Flavor) => {
    let manager: TestManager;
    let dataDir: string;
    let hosts: ReturnType<typeof stoppingHosts>;
    const larger = {
      ...flavor,
      id: `${flavor.id}-larger`,
      memoryMiB: flavor.memoryMiB + 256,
    };
    const api = (method: 'get' | 'post' | 'patch' | 'delete', url: string) =>
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
      dataDir = makeDataDir(`operations-host-stop-${inner}`);
      hosts = stoppingHosts(innerRuntimes[inner](dataDir));
      manager = await startTestManager({
        dataDir,
        features: [testRuntimeModule('stopping', () => hosts.runtime)],
        dbaas: {
          flavors: [flavor, larger],
          defaultRuntime: 'stopping',
          runtimes: { stopping: { enabled: true } },
        },
      });
    });

    afterAll(async () => {
      await deleteAll(manager.server, 'alice');
      await manager.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('stops the host after the server, starts it before, serves a certificate for each address it comes back at (a start, a flavor change), and restarts the server only', async () => {
      const created = await api('post', '/instances').send({
        name: `ops-host-stop-${inner}`,
        owner: 'team-a',
        flavorId: flavor.id,
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      expect(await settled(id)).toMatchObject({ status: 'running' });
      const creds = async () =>
        (await getCredentials(manager.server, asAlice, id)).body as Credentials;
      await appSql('postgresql', await creds(), 'CREATE TABLE kept (v TEXT)');
      await appSql(
        'postgresql',
        await creds(),
        "INSERT INTO kept VALUES ('x')",
      );

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
      // clients are told the new address, and the server's certificate names it
      const after = await creds();
      expect(after.host).toBe(addressAfter(1));
      expect(await rowsVerifiedFor(after, 'SELECT v FROM kept')).toEqual([
        { v: 'x' },
      ]);
      const timeline = (await api('get', `/instances/${id}/events`)).body;
      expect(JSON.stringify(timeline)).toContain(
        `the host came back at ${addressAfter(1)} (was ${SERVER_ADDRESS})`,
      );

      // the host as it came back is the one recorded; a restart keeps it running
      expect((await api('post', `/instances/${id}/restart`)).status).toBe(202);
      expect(await settled(id)).toMatchObject({ status: 'running' });
      expect(hosts.journal.splice(0)).toEqual([
        'engine.stop(boots=1)',
        'engine.start(boots=1)',
      ]);

      // a flavor change resizes the host, which comes back at yet another address: the
      // server made again serves a certificate for it
      const changed = await api('patch', `/instances/${id}`).send({
        flavorId: larger.id,
      });
      expect(changed.status).toBe(200);
      expect(await settled(id)).toMatchObject({
        status: 'running',
        flavorId: larger.id,
      });
      expect(hosts.journal.splice(0)).toEqual([
        'engine.stop(boots=1)',
        'host.stop',
        `host.changeFlavor(${larger.id})`,
        'host.start',
        'engine.replace(boots=2)',
      ]);
      const resized = await creds();
      expect(resized.host).toBe(addressAfter(2));
      expect(await rowsVerifiedFor(resized, 'SELECT v FROM kept')).toEqual([
        { v: 'x' },
      ]);
    });
  },
);
