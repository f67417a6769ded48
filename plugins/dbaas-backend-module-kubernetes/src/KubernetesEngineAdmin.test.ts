import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import Docker from 'dockerode';
import { randomUUID } from 'crypto';
import { EngineSpec, HostRef, StepContext } from '@dbaas/plugin-dbaas-node';
import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import { readKubernetesRuntimeConfig } from './config';
import { KubernetesClusters } from './KubernetesCluster';
import { serverMessage } from '@dbaas/plugin-dbaas-node';
import { createKubernetesRuntime } from './KubernetesRuntime';
import { KubeApiStub, podIn } from './__testUtils__/KubeApiStub';
import {
  requireDocker,
  startPodContainer,
  untilHealthy,
} from './__testUtils__/podContainer';

jest.setTimeout(120_000);

/*
 * The admin access through the pod exec API: client-node's Exec against the API stub, which
 * runs each command with `docker exec` in a real PostgreSQL container standing in for the pod
 * (one for the whole file, removed after it whatever happened).
 */

const instanceId = '5f0c2a4e-8d7b-4a53-9a51-2f8e0c7d1b23';
const flavor = { ...postgresFlavor, image: 'dbaas/postgresql:15' };
const spec: EngineSpec = {
  instanceId,
  flavor,
  storageGiB: 1,
  database: 'orders_db',
  username: 'orders_db_app',
};
const secrets = {
  password: `app-${randomUUID()}`,
  adminPassword: `admin-${randomUUID()}`,
};
const host: HostRef = {
  runtime: 'kubernetes',
  instanceId,
  address: 'dbaas-orders-db.dbaas-team-a.svc',
  data: {
    cluster: 'default',
    namespace: 'dbaas-team-a',
    name: 'dbaas-orders-db',
    owner: 'group:default/team-a',
  },
};
const ctx = (): StepContext => ({
  logger: mockServices.logger.mock(),
  signal: new AbortController().signal,
});

let container: Docker.Container | undefined;
let stub: KubeApiStub;
let url: string;

beforeAll(async () => {
  stub = new KubeApiStub();
  url = await stub.start();
  await requireDocker();
  container = await startPodContainer({
    name: `dbaas-k8s-exec-test-${randomUUID().slice(0, 8)}`,
    image: flavor.image,
    memoryMiB: flavor.memoryMiB,
    database: spec.database,
    username: spec.username,
    secrets,
  });
  await untilHealthy(container);
});

afterAll(async () => {
  await stub?.stop();
  await container?.remove({ force: true, v: true });
});

beforeEach(() => {
  stub.pod = (ns, name) => podIn('ready', ns, name);
  stub.execContainer = (ns, pod, name) =>
    ns === 'dbaas-team-a' &&
    pod === 'dbaas-orders-db-0' &&
    name === 'postgresql'
      ? container!.id
      : undefined;
  stub.execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  stub.forbidden.clear();
});

const config = () =>
  readKubernetesRuntimeConfig(
    new ConfigReader({
      cluster: { url, token: 'test-token', skipTLSVerify: true },
      createNamespaces: true,
      startTimeoutSeconds: 10,
    }),
  );

const runtime = () => createKubernetesRuntime(config());

const admin = () => runtime().engine.admin!;

describe('Kubernetes admin access through the pod exec API', () => {
  it('creates a role and reads it back, the statement going in on standard input only', async () => {
    const password = `role-${randomUUID()}`;
    const execs = stub.execs.length;

    await expect(
      admin().query(
        host,
        spec,
        secrets,
        `CREATE ROLE reporting LOGIN PASSWORD '${password}'`,
      ),
    ).resolves.toEqual([]);
    await expect(
      admin().query(
        host,
        spec,
        secrets,
        "SELECT rolname, rolcanlogin::text, NULL, current_database() FROM pg_roles WHERE rolname IN ('reporting', 'postgres') ORDER BY rolname",
      ),
    ).resolves.toEqual([
      ['postgres', 'true', null, 'orders_db'],
      ['reporting', 'true', null, 'orders_db'],
    ]);
    await expect(
      admin().query(host, spec, secrets, 'SELECT current_database()', {
        database: 'postgres',
      }),
    ).resolves.toEqual([['postgres']]);

    const seen = stub.execs.slice(execs);
    expect(seen).toHaveLength(3);
    for (const exec of seen) {
      expect(exec).toMatchObject({
        namespace: 'dbaas-team-a',
        pod: 'dbaas-orders-db-0',
        container: 'postgresql',
        stdin: true,
        protocol: 'v5.channel.k8s.io',
      });
      expect(exec.command).toContain('psql');
      expect(exec.command.join(' ')).not.toMatch(/ROLE|SELECT|role-/);
      expect(exec.command.join(' ')).not.toContain(secrets.adminPassword);
    }
    expect(stub.calls).toContain(
      'GET /api/v1/namespaces/dbaas-team-a/pods/dbaas-orders-db-0/exec',
    );
  });

  it("fails a refused statement with the server's message, never the statement", async () => {
    const password = `secret-${randomUUID()}`;
    await admin().query(
      host,
      spec,
      secrets,
      `CREATE ROLE auditor PASSWORD '${password}'`,
    );

    const again = admin().query(
      host,
      spec,
      secrets,
      `CREATE ROLE auditor PASSWORD '${password}'`,
    );
    await expect(again).rejects.toMatchObject({
      name: 'RuntimeFault',
      code: 'INTERNAL',
      message:
        'the postgresql server refused an admin statement: ERROR:  role "auditor" already exists',
    });

    // a syntax error, whose context psql prints with the statement's line
    const fault = await admin()
      .query(
        host,
        spec,
        secrets,
        `CREATE ROLE auditor2 PASSWORD '${password}' )`,
      )
      .catch(e => e);
    expect(fault.code).toBe('INTERNAL');
    expect(fault.message).toMatch(
      /^the postgresql server refused an admin statement: ERROR: {2}syntax error at or near "\)"$/,
    );
    expect(fault.message).not.toContain(password);
    expect(fault.message).not.toContain('CREATE ROLE');
  });

  it('measures the data directory', async () => {
    const bytes = await admin().usedBytes(host, spec);
    // an initialised cluster takes tens of megabytes
    expect(bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(stub.execs[stub.execs.length - 1]).toMatchObject({
      command: ['du', '-s', '-B1', '/var/lib/postgresql/data'],
      stdin: false,
    });
  });

  it('works over v4.channel.k8s.io, which cannot close standard input on its own', async () => {
    stub.execProtocols = ['v4.channel.k8s.io'];
    await expect(
      admin().query(host, spec, secrets, "SELECT 'a' || 'b'"),
    ).resolves.toEqual([['ab']]);
    expect(stub.execs[stub.execs.length - 1].protocol).toBe(
      'v4.channel.k8s.io',
    );
  });

  it('turns a refused exec into HOST_PERMISSION naming the RBAC to grant', async () => {
    stub.forbidden.set(
      'GET /api/v1/namespaces/dbaas-team-a/pods/dbaas-orders-db-0/exec',
      'pods "dbaas-orders-db-0" is forbidden: User "system:serviceaccount:backstage-system:backstage" cannot create resource "pods/exec"',
    );
    await expect(
      admin().query(host, spec, secrets, 'SELECT 1'),
    ).rejects.toMatchObject({
      code: 'HOST_PERMISSION',
      message: expect.stringMatching(
        /^Kubernetes refused to exec in pod dbaas-orders-db-0 \(namespace dbaas-team-a\) \(403\): .*`create` on `pods\/exec`.*deploy\/kubernetes\/rbac.yaml/,
      ),
    });
    await expect(admin().usedBytes(host, spec)).rejects.toMatchObject({
      code: 'HOST_PERMISSION',
    });
  });

  it('gives up on a command that runs too long with ENGINE_TIMEOUT', async () => {
    const cluster = new KubernetesClusters(config().clusters).get('default');
    const pod = {
      namespace: 'dbaas-team-a',
      name: 'dbaas-orders-db-0',
      container: 'postgresql',
    };
    await expect(
      cluster.exec(pod, ['sh', '-c', 'echo started; sleep 3'], undefined, 500),
    ).rejects.toMatchObject({
      code: 'ENGINE_TIMEOUT',
      message:
        'The exec in pod dbaas-orders-db-0 (namespace dbaas-team-a) did not finish within 1 s',
    });
    await expect(
      cluster.exec(pod, ['sh', '-c', 'echo out; echo err >&2; exit 3']),
    ).resolves.toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('answers ENGINE_UNAVAILABLE while the pod is not running', async () => {
    stub.pod = (ns, name) => podIn('creating', ns, name);
    await expect(
      admin().query(host, spec, secrets, 'SELECT 1'),
    ).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: 'pod dbaas-orders-db-0 in dbaas-team-a is not running (Pending)',
    });
    stub.pod = () => undefined;
    await expect(admin().usedBytes(host, spec)).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
    });
  });

  it('stops and starts by scaling the StatefulSet to 0 and back to 1', async () => {
    const k8s = runtime();
    const key = 'statefulsets/dbaas-team-a/dbaas-orders-db';
    const provisioned = await k8s.host.provision(
      {
        instanceId,
        instanceName: 'orders-db',
        owner: 'group:default/team-a',
        flavor,
        storageGiB: 1,
      },
      ctx(),
    );
    await k8s.engine.deploy(provisioned, spec, secrets, ctx());
    expect(stub.objects.get(key)!.spec.replicas).toBe(1);

    await k8s.engine.stop(provisioned, spec, ctx());
    expect(stub.objects.get(key)!.spec.replicas).toBe(0);
    expect(stub.objects.get(key)!.status.replicas).toBe(0);
    // the rest of the StatefulSet is kept as it was
    expect(stub.objects.get(key)!.spec.template.spec.containers[0].image).toBe(
      'dbaas/postgresql:15',
    );

    await k8s.engine.start(provisioned, spec, secrets, ctx());
    expect(stub.objects.get(key)!.spec.replicas).toBe(1);
  });
});

describe('serverMessage', () => {
  it("keeps the server's message and leaves out the statement", () => {
    expect(
      serverMessage(
        `psql:<stdin>:1: ERROR:  syntax error at or near "x"\nLINE 1: ALTER ROLE a PASSWORD 'hunter22' x\n                                         ^\n`,
        "ALTER ROLE a PASSWORD 'hunter22' x",
      ),
    ).toBe('ERROR:  syntax error at or near "x"');
    expect(
      serverMessage(
        "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'IDENTIFIED BY 'hunter22' x' at line 1\n",
        "CREATE USER a IDENTIFIED BY 'hunter22' x",
      ),
    ).toBe(
      'ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use (near line 1)',
    );
    expect(
      serverMessage("ERROR:  invalid value 'hunter22'", "SET x = 'hunter22'"),
    ).toBe("ERROR:  invalid value '***'");
  });
});
