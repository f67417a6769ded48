import { mockCredentials } from '@backstage/backend-test-utils';
import Docker from 'dockerode';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import {
  dockerFlavor,
  mariadbFlavor,
  silentLogger,
} from '../../__testUtils__/fixtures';
import {
  deleteAndWait,
  getCredentials,
  postInstance,
  waitForInstance,
} from '../../__testUtils__/managerApi';
import { clientQuery } from '../../__testUtils__/tlsClients';
import { appSql } from '../../__testUtils__/appSql';
import { containerOutput } from '../../__testUtils__/containerOutput';
import { Engine } from '@dbaas/plugin-dbaas-common';
import { createDockerRuntime } from '.';
import {
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
} from '@dbaas/plugin-dbaas-node';
import { startTestManager } from '../../testUtils';

jest.setTimeout(300_000);

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const dockerHost = {
  name: 'local-docker',
  url: 'unix:///var/run/docker.sock',
  publishAddress: '127.0.0.1',
};
// 512 MiB each on the engine, serving verified TLS only
const onDocker = {
  memoryMiB: 512,
  storageGiB: { min: 1, max: 10, default: 1 },
  tls: { require: true },
};
const flavors = [
  { ...dockerFlavor, ...onDocker },
  { ...mariadbFlavor, id: 'mariadb-10-11-docker', ...onDocker },
];
const asAlice = `Bearer ${mockCredentials.user.token('user:default/alice')}`;

/** This machine's Docker engine as a host of the Docker runtime, with `memoryMiB` to give. */
const thisEngine = (name: string, memoryMiB: number) => ({
  name,
  connection: { socketPath: '/var/run/docker.sock' },
  publishAddress: '127.0.0.1',
  bindAddress: '127.0.0.1',
  maxInstances: 10,
  memoryMiB,
});

/** No silent skip: these tests need a Docker engine and the flavor images. */
async function requireDocker() {
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `The Docker runtime tests need a Docker engine at /var/run/docker.sock (${error}); start dockerd (.ci/run does)`,
    );
  }
  for (const { image } of flavors) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      throw new Error(
        `The Docker runtime tests need the image ${image}: run images/build.sh`,
      );
    }
  }
}

async function ours(instanceId: string) {
  const filters = {
    label: [
      `${LABEL_MANAGED_BY}=${MANAGED_BY}`,
      `${LABEL_INSTANCE}=${instanceId}`,
    ],
  };
  const containers = await docker.listContainers({ all: true, filters });
  const { Volumes } = await docker.listVolumes({ filters });
  return { containers: containers.length, volumes: Volumes?.length ?? 0 };
}

/** A file of the container's, e.g. the CA the Docker runtime wrote into its secrets dir. */
function readFromContainer(id: string, file: string) {
  return containerOutput(id, ['cat', file]);
}

async function keepRow(engine: Engine, c: any, create: boolean, ca: string) {
  if (create) {
    await appSql(engine, c, 'CREATE TABLE kept (v TEXT)', ca);
    await appSql(engine, c, "INSERT INTO kept VALUES ('across restarts')", ca);
  }
  return appSql(engine, c, 'SELECT v FROM kept', ca);
}

describe('Docker runtime', () => {
  beforeAll(requireDocker);

  it.each(flavors.map(f => [f.engine, f] as const))(
    'runs %s in a container that serves verified TLS only, keeps a row across a restart, and leaves nothing when deleted',
    async (engine, flavor) => {
      const { server } = await startTestManager({
        dbaas: {
          defaultRuntime: 'docker',
          flavors: [flavor],
          runtimes: { docker: { hosts: [dockerHost] } },
        },
      });
      const created = await postInstance(server, asAlice, {
        name: `docker-${engine}`,
        owner: 'group:default/team-a',
        flavorId: flavor.id,
      });
      expect(created.status).toBe(202);
      expect(created.body.runtime).toBe('docker');
      const id = created.body.id;

      const instance = await waitForInstance(
        server,
        asAlice,
        id,
        'provisioned',
        i => i?.status !== 'provisioning',
        { timeoutMs: 240_000, intervalMs: 250 },
      );
      expect(instance).toMatchObject({
        status: 'running',
        health: 'healthy',
        host: '127.0.0.1',
      });

      const creds = (await getCredentials(server, asAlice, id)).body;
      // the certificate is the Manager's: Debian's clients verify it and the host name
      const caPem = await readFromContainer(id, '/run/dbaas/ca.crt');
      expect(caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(
        (
          await request(server)
            .get(`/api/dbaas/instances/${id}/ca`)
            .set('Authorization', asAlice)
        ).text,
      ).toBe(caPem);
      expect(creds.uri).toMatch(/\?ssl-?mode=(verify-full|VERIFY_IDENTITY)$/);
      const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-docker-ca-'));
      const ca = path.join(caDir, 'ca.crt');
      fs.writeFileSync(ca, caPem);
      const endpoint = {
        host: creds.host,
        port: creds.port,
        database: creds.database,
        user: creds.username,
      };
      expect(
        await clientQuery(
          flavor.engine as any,
          endpoint,
          creds.password,
          "CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('across restarts'); SELECT v FROM kept",
          { ca },
        ),
      ).toEqual({
        code: 0,
        output: expect.stringMatching(/across restarts\n$/),
      });
      // plain text is refused: the flavor requires TLS
      const plain = await clientQuery(
        flavor.engine as any,
        endpoint,
        creds.password,
        'SELECT 1',
        'plain',
      );
      expect(plain.code).not.toBe(0);
      expect(plain.output).toMatch(
        /no encryption|insecure transport are prohibited|Access denied/,
      );
      fs.rmSync(caDir, { recursive: true, force: true });
      expect(await keepRow(engine, creds, false, caPem)).toEqual([
        { v: 'across restarts' },
      ]);

      // the password is a file in the container, not an environment variable
      const info = await docker.getContainer(`dbaas-${id}`).inspect();
      // published on publishAddress only, not on every interface
      const enginePort = engine === 'postgresql' ? '5432/tcp' : '3306/tcp';
      expect(info.HostConfig.PortBindings[enginePort]).toEqual([
        { HostIp: '127.0.0.1', HostPort: '' },
      ]);
      expect(
        Object.values(info.NetworkSettings.Ports)
          .flat()
          .map((b: any) => b.HostIp),
      ).toEqual(['127.0.0.1']);
      // only the accounts the image makes are left (MariaDB's install also makes
      // passwordless root@127.0.0.1, root@::1 and root@<host name>)
      const accounts = await containerOutput(id, [
        'sh',
        '-c',
        engine === 'postgresql'
          ? 'PGPASSWORD="$(cat /run/dbaas/admin-password)" psql -h /run/postgresql -U postgres -d postgres -Atc "SELECT rolname FROM pg_roles WHERE rolcanlogin ORDER BY 1"'
          : 'MYSQL_PWD="$(cat /run/dbaas/admin-password)" mariadb -uroot -N -e "SELECT CONCAT(User, \'@\', Host) FROM mysql.user ORDER BY 1"',
      ]);
      expect(accounts.trim().split('\n')).toEqual(
        engine === 'postgresql'
          ? ['docker_postgresql_app', 'postgres']
          : [
              'docker_mariadb_app@%',
              'healthcheck@localhost',
              'mariadb.sys@localhost',
              'root@localhost',
            ],
      );
      expect(JSON.stringify(info.Config.Env)).not.toContain(creds.password);
      expect(info.HostConfig.Memory).toBe(512 * 1024 * 1024);

      await docker.getContainer(`dbaas-${id}`).restart();
      const runtime = createDockerRuntime({
        hosts: [thisEngine('local-docker', 8192)],
        startTimeoutSeconds: 120,
      });
      const ref = (await runtime.host.find(id))!;
      const spec = {
        instanceId: id,
        flavor,
        database: creds.database,
        username: creds.username,
      } as any;
      for (let i = 0; i < 240; i++) {
        const health = await runtime.engine.health(ref, spec, {
          password: creds.password,
          tls: { caPem },
        } as any);
        if (health.state === 'healthy') break;
        await new Promise(r => setTimeout(r, 250));
      }
      const port = (await docker.getContainer(`dbaas-${id}`).inspect())
        .NetworkSettings.Ports[
        engine === 'postgresql' ? '5432/tcp' : '3306/tcp'
      ][0].HostPort;
      expect(
        await keepRow(engine, { ...creds, port: Number(port) }, false, caPem),
      ).toEqual([{ v: 'across restarts' }]);

      const logs = await request(server)
        .get(`/api/dbaas/instances/${id}/logs?tail=50`)
        .set('Authorization', asAlice);
      expect(logs.body.text).toMatch(/ready (to accept|for) connections/);

      // PostgreSQL's WAL spool is a second volume
      expect(await ours(id)).toEqual({
        containers: 1,
        volumes: engine === 'postgresql' ? 2 : 1,
      });
      await deleteAndWait(server, asAlice, id);
      expect(await ours(id)).toEqual({ containers: 0, volumes: 0 });
    },
  );

  it('refuses a host without room with a typed capacity fault', async () => {
    const runtime = createDockerRuntime({
      hosts: [thisEngine('full', 256)],
      startTimeoutSeconds: 60,
    });
    await expect(
      runtime.host.provision(
        {
          instanceId: crypto.randomUUID(),
          instanceName: 'big',
          owner: 'group:default/a',
          flavor: flavors[0] as any,
          storageGiB: 1,
        },
        { logger: silentLogger, signal: new AbortController().signal },
      ),
    ).rejects.toMatchObject({
      code: 'HOST_CAPACITY',
      message: expect.stringContaining(
        'No Docker host can take 512 MiB more: full: ',
      ),
    });
  });
});
